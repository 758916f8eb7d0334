/**
 * Import rules (issue 20), checked in CI by `npm run deps`: no cycles among the TypeScript
 * sources nor among the AssemblyScript core's modules, and no upward import between the layers
 * of src/ — each folder imports only from the layers below it (docs/architecture.md §11, the
 * code map). The layers, from the bottom:
 *
 *   core → data → metrics | network → backend → train → model → formats
 *        → worker | explain (the library's parts) → index.ts → node, explain and worker entry points → cli
 *
 * (`a | b`: one layer of two folders that do not import each other.)
 * @type {import('dependency-cruiser').IConfiguration}
 */

/** The layers, bottom first: each may import the layers before it and its own, never one after it. */
const LAYERS = [
  { name: 'core', path: '^src/core/', why: 'errors, argument checks, the generator, bytes: what every layer uses, built on nothing of gradwasm' },
  { name: 'data', path: '^src/data/', why: 'rows, labels, chunks, CSV, scalers and row weights are checked and copied without knowing what model reads them' },
  { name: 'metrics', path: '^src/metrics/', why: "metrics are pure functions of labels and probabilities (or a pass's counts), for any model and backend" },
  {
    name: 'heads',
    path: '^src/heads/',
    why: 'a task — its labels, output layer, loss and metrics — is defined once, below every network, backend and format that serves it',
  },
  {
    name: 'network',
    path: '^src/network/',
    why: 'a network as numbers — layers, optimizer settings, parameters, the model file — is what the backends compute on, so it cannot depend on them',
  },
  {
    name: 'backend',
    path: '^src/backend/',
    why: 'the backends do the numeric work for whoever calls them: they know nothing of the epoch loop, the public model or its formats',
  },
  {
    name: 'train',
    path: '^src/train/',
    why: 'the training code drives a backend for the model that hands itself in (ModelAccess): it does not import the model',
  },
  { name: 'model', path: '^src/model/', why: 'the public Sequential sits on training and the backends; the formats and services that take a model sit on it' },
  { name: 'formats', path: '^src/formats/', why: 'ONNX and TF.js files are written from, and read into, a Sequential' },
  {
    name: 'library',
    path: '^src/(worker/(?!entry\\.)|explain/(graph|trace|format)\\.ts$)',
    why: 'trainInWorker and the chain-rule tools are parts of the library that the public entry exports',
  },
  { name: 'index', path: '^src/index\\.ts$', why: "the public entry: what the add-ons build on, as a user's program does" },
  {
    name: 'add-ons',
    path: '^src/(node/|explain/(index|article|method)\\.ts$|worker/entry\\.)',
    why: "gradwasm/node, gradwasm/explain and the training worker's script are built on the public entry",
  },
  { name: 'cli', path: '^src/cli/', why: 'the command line is the top: nothing imports it' },
];

/** Two folders of one layer that do not import each other. */
const SIBLINGS = [
  ['metrics', '^src/metrics/', 'network', '^src/network/'],
  ['worker', '^src/worker/', 'explain', '^src/explain/'],
];

/** The one upward import allowed, type-only: model.graph()'s types (src/explain/method.ts installs the method). */
const MODEL_GRAPH_TYPES = '^src/explain/graph\\.ts$';

const upward = LAYERS.slice(0, -1).map((layer, i) => {
  const above = LAYERS.slice(i + 1)
    .map((l) => `(${l.path})`)
    .join('|');
  return {
    name: `${layer.name}-imports-no-layer-above`,
    severity: 'error',
    comment: `${layer.name} (${layer.path}) imports only the layers below it: ${layer.why}.`,
    from: { path: layer.path },
    to: layer.name === 'model' ? { path: above, pathNot: MODEL_GRAPH_TYPES } : { path: above },
  };
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes two modules one: neither can be read, tested or split off alone.',
      from: { path: '^(src|assembly)/' },
      to: { circular: true },
    },
    ...upward,
    {
      name: 'model-imports-the-graph-for-its-types-only',
      severity: 'error',
      comment:
        'Sequential declares graph() with the types of src/explain/graph.ts, which gradwasm/explain installs: a value import would put the graph builder on the inference path.',
      from: { path: LAYERS.find((l) => l.name === 'model').path },
      to: { path: MODEL_GRAPH_TYPES, dependencyTypesNot: ['type-only'] },
    },
    ...SIBLINGS.flatMap(([a, aPath, b, bPath]) => [
      {
        name: `${a}-not-from-${b}`,
        severity: 'error',
        comment: `${a} and ${b} are one layer, independent of each other.`,
        from: { path: aPath },
        to: { path: bPath },
      },
      {
        name: `${b}-not-from-${a}`,
        severity: 'error',
        comment: `${a} and ${b} are one layer, independent of each other.`,
        from: { path: bPath },
        to: { path: aPath },
      },
    ]),
    {
      name: 'js-backend-not-from-wasm-backend',
      severity: 'error',
      comment:
        "The 'js' backend is the core's independent twin (the tests' oracle): it shares the contract's codes and constants with the core, nothing else of the 'wasm' backend.",
      from: { path: '^src/backend/js/' },
      to: { path: '^src/backend/wasm/(?!contract\\.ts$)' },
    },
    {
      name: 'wasm-backend-not-from-js-backend',
      severity: 'error',
      comment: "The 'wasm' backend does not lean on its twin: each is checked against the other.",
      from: { path: '^src/backend/wasm/' },
      to: { path: '^src/backend/js/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(build|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
