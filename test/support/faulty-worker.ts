// A training worker whose start message is corrupted on arrival (learning rate −1), so that the
// worker-side fit raises a GradwasmError: how test/worker.test.ts sees errors cross back.
import { parentPort } from 'node:worker_threads';
import { serveTraining } from '../../src/index.js';

const port = parentPort!;
serveTraining({
  postMessage: (message, transfer) => port.postMessage(message, transfer),
  addEventListener: (_type, listener) =>
    port.on('message', (data: { type: string; fit?: { learningRate: number } }) => {
      if (data.type === 'start') data.fit!.learningRate = -1;
      listener({ data });
    }),
});
