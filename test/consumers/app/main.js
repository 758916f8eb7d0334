// A page's script as an application writes it: it imports 'gradwasm' by name and nothing else
// of the package; the bundler (or the page's import map) finds the rest. It leaves its result
// on window.consumerResult and marks <body data-done="true"> for the test to read.
import { Sequential, dense, trainInWorker } from 'gradwasm';
import { runChecks } from './checks.js';

runChecks({ Sequential, dense, trainInWorker })
  .then(
    (result) => {
      window.consumerResult = { ok: true, result };
    },
    (error) => {
      window.consumerResult = { ok: false, error: `${error?.name}: ${error?.message}\n${error?.stack ?? ''}` };
    },
  )
  .finally(() => {
    document.body.dataset.done = 'true';
  });
