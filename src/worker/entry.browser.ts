// dist/gradwasm.worker.js: the script of the browser's training worker. It imports the library
// bundle beside it (scripts/build.mjs points '../index.js' at ./gradwasm.browser.js), so the
// WebAssembly core is downloaded once for the page and the worker.
import { serveTraining, type TrainingPort } from '../index.js';

serveTraining(self as unknown as TrainingPort);
