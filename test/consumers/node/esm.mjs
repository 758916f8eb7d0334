// A Node application that installed the tarball: ES modules, the three entry points by name.
// Prints one JSON line: the shared checks (../app/checks.js, copied beside it), a CSV read by
// gradwasm/node from the package's own data, and a back-propagation trace from gradwasm/explain.
import { createRequire } from 'node:module';
import { Sequential, dense, trainInWorker } from 'gradwasm';
import { readCsv } from 'gradwasm/node';
import { explain } from 'gradwasm/explain';
import { runChecks } from './checks.js';

const result = await runChecks({ Sequential, dense, trainInWorker });

const csv = createRequire(import.meta.url)
  .resolve('gradwasm/package.json')
  .replace(/package\.json$/, 'data/breast_cancer.csv');
const table = await readCsv(csv);
const model = await Sequential.create({ inputs: table.x.cols, layers: [dense(4, 'tanh'), dense(1, 'sigmoid')], seed: 2 });
const row = Array.from(table.x.data.subarray(0, table.x.cols));
const trace = explain(model, row, table.y[0]);
result.csv = { rows: table.x.rows, cols: table.x.cols, label: table.label };
result.explain = { nodes: trace.nodes.length, parameters: trace.parameters.length, graph: typeof model.graph === 'function' };
model.dispose();

console.log(JSON.stringify(result));
