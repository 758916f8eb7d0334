// A CommonJS application: require('gradwasm') — an ES module package — which Node ≥ 20.19
// allows (require of a synchronous ES module graph). Prints one JSON line.
const { Sequential, dense, trainInWorker } = require('gradwasm');
const { readCsv } = require('gradwasm/node');
const { graph } = require('gradwasm/explain');

async function main() {
  const x = [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ];
  const y = [0, 1, 1, 0];
  const spec = { inputs: 2, layers: [dense(8, 'tanh'), dense(1, 'sigmoid')], seed: 1 };
  const model = await Sequential.create(spec);
  await model.fit(x, y, { epochs: 500, learningRate: 0.5 });
  const p = Array.from(model.predictProba(x));
  const { model: saved } = await trainInWorker({ model: spec, x, y, fit: { epochs: 500, learningRate: 0.5 } }).done;
  const fromWorker = Array.from((await Sequential.fromJSON(saved)).predictProba(x));
  console.log(JSON.stringify({ node: process.versions.node, p, fromWorker, readCsv: typeof readCsv, graphNodes: graph(model).nodes.length }));
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
