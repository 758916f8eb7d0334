// dist/worker.js: the script of Node's training worker (worker_threads). It imports the library
// beside it (scripts/build.mjs points '../index.js' at ./index.js).
import { parentPort } from 'node:worker_threads';
import { serveTraining } from '../index.js';

if (!parentPort) throw new Error('gradwasm: worker.js runs inside a worker_threads Worker started by trainInWorker, not as a program');
const port = parentPort;
serveTraining({
  postMessage: (message, transfer) => port.postMessage(message, transfer),
  addEventListener: (_type, listener) => port.on('message', (data: unknown) => listener({ data })),
});
