// Whole-training benchmark of the two backends on four shapes: samples/s (median of interleaved
// runs, each a fresh model from the same seed trained with model.fit) for 'js' and 'wasm', the
// GFLOP/s that makes, and the largest relative difference between the weights and biases the two
// end with (max |w_js − w_wasm| / max |w_wasm| per tensor; the backends round differently, so
// they are not bit-identical; exit code 1 if it exceeds 1e-4). Build the core first
// (npm run build), then:
//   npx esbuild bench/js-backend.ts --bundle --platform=node --format=esm --target=es2022 \
//     --loader:.wasm=binary --outfile=/tmp/jsb.mjs
//   node /tmp/jsb.mjs [runs=7] [shape letters, default abcd]
import { Sequential, dense, type DenseLayer } from '../src/index.js';
import { Xoshiro128 } from '../src/core/prng.js';

interface Shape {
  name: string;
  inputs: number;
  layers: DenseLayer[];
  rows: number;
  batchSize: number;
  epochs: number;
  learningRate: number;
  /** Features drawn from [lo, hi). */
  lo: number;
  hi: number;
}

const SHAPES: Record<string, Shape> = {
  a: {
    name: '30-16-8-1 relu, batch 16, 455 rows',
    inputs: 30,
    layers: [dense(16, 'relu'), dense(8, 'relu'), dense(1, 'sigmoid')],
    rows: 455,
    batchSize: 16,
    epochs: 60,
    learningRate: 0.05,
    lo: -2,
    hi: 2,
  },
  b: {
    name: '784-128-64-1 relu, batch 64, 2000 rows',
    inputs: 784,
    layers: [dense(128, 'relu'), dense(64, 'relu'), dense(1, 'sigmoid')],
    rows: 2000,
    batchSize: 64,
    epochs: 2,
    learningRate: 0.01,
    lo: 0,
    hi: 1,
  },
  c: {
    name: '2-16-16-1 tanh, batch 32, 1000 rows',
    inputs: 2,
    layers: [dense(16, 'tanh'), dense(16, 'tanh'), dense(1, 'sigmoid')],
    rows: 1000,
    batchSize: 32,
    epochs: 60,
    learningRate: 0.1,
    lo: -1,
    hi: 1,
  },
  d: {
    name: 'logistic 32-1, batch 256, 20000 rows',
    inputs: 32,
    layers: [dense(1, 'sigmoid')],
    rows: 20000,
    batchSize: 256,
    epochs: 10,
    learningRate: 0.05,
    lo: -1,
    hi: 1,
  },
};

/** Uniform [0, 1) numbers for the synthetic data, from the project's seeded generator. */
function generator(seed: number): () => number {
  const rng = new Xoshiro128(seed);
  return () => rng.nextUnit();
}

function dataset(shape: Shape, seed: number): { x: { data: Float32Array; rows: number; cols: number }; y: Float32Array } {
  const next = generator(seed);
  const { rows, inputs: cols } = shape;
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = shape.lo + (shape.hi - shape.lo) * next();
  // A learnable label: the sign of a fixed random projection, with a little noise.
  const direction = Array.from({ length: cols }, () => next() - 0.5);
  const mid = (shape.lo + shape.hi) / 2;
  const y = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += (data[r * cols + c]! - mid) * direction[c]!;
    y[r] = s + 0.1 * (next() - 0.5) > 0 ? 1 : 0;
  }
  return { x: { data, rows, cols }, y };
}

async function timeFit(
  shape: Shape,
  backend: 'js' | 'wasm',
  x: ReturnType<typeof dataset>['x'],
  y: Float32Array,
): Promise<{ ms: number; weights: Float32Array[] }> {
  const model = await Sequential.create({ inputs: shape.inputs, layers: shape.layers, seed: 7, backend });
  const start = performance.now();
  await model.fit(x, y, { epochs: shape.epochs, learningRate: shape.learningRate, batchSize: shape.batchSize });
  const ms = performance.now() - start;
  const weights = model.getWeights().flatMap((l) => [l.weights, l.bias]);
  model.dispose();
  return { ms, weights };
}

/** The largest, over the tensors, of max |a − b| / max |b| (as test/support/random.ts's relativeDifference). */
function relativeDifference(a: Float32Array[], b: Float32Array[]): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let l = 0; l < a.length; l++) {
    const u = a[l]!,
      v = b[l]!;
    if (u.length !== v.length) return Infinity;
    let diff = 0,
      scale = 0;
    for (let i = 0; i < v.length; i++) {
      diff = Math.max(diff, Math.abs(u[i]! - v[i]!));
      scale = Math.max(scale, Math.abs(v[i]!));
    }
    worst = Math.max(worst, scale === 0 ? diff : diff / scale); // NaN fails the check below
  }
  return worst;
}

const TOLERANCE = 1e-4;

/** Floating-point operations (2 per multiply-add) per sample of one training step: forward A·W,
 *  weight gradient Aᵀ·dZ, and dZ·Wᵀ for every layer but the first. */
function flopsPerSample(shape: Shape): number {
  let macs = 0,
    fanIn = shape.inputs;
  shape.layers.forEach((layer, l) => {
    macs += fanIn * layer.units * (l > 0 ? 3 : 2);
    fanIn = layer.units;
  });
  return 2 * macs;
}

const median = (v: number[]): number => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)]!;
const rate = (perSecond: number): string => (perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)} M/s` : `${(perSecond / 1e3).toFixed(1)} k/s`);
const runs = Number(process.argv[2] ?? 7);
const which = process.argv[3] ?? Object.keys(SHAPES).join('');

let allAgree = true;
console.log(`node ${process.version}, median of ${runs} interleaved runs (after one warm-up each)`);
for (const key of which) {
  const shape = SHAPES[key];
  if (!shape) throw new Error(`unknown shape ${key}`);
  const { x, y } = dataset(shape, 12345);
  const samples = shape.rows * shape.epochs;
  const times = { js: [] as number[], wasm: [] as number[] };
  let difference = 0;
  await timeFit(shape, 'js', x, y);
  await timeFit(shape, 'wasm', x, y);
  for (let r = 0; r < runs; r++) {
    const j = await timeFit(shape, 'js', x, y);
    const w = await timeFit(shape, 'wasm', x, y);
    times.js.push(j.ms);
    times.wasm.push(w.ms);
    difference = Math.max(difference, relativeDifference(j.weights, w.weights));
  }
  const agree = difference <= TOLERANCE;
  allAgree &&= agree;
  const js = (samples / median(times.js)) * 1e3,
    wasm = (samples / median(times.wasm)) * 1e3;
  const gflops = (perSecond: number): string => `${((perSecond * flopsPerSample(shape)) / 1e9).toFixed(2)} GFLOP/s`;
  console.log(
    `(${key}) ${shape.name.padEnd(40)} js ${rate(js).padStart(9)} (${gflops(js)})   ` +
      `wasm ${rate(wasm).padStart(9)} (${gflops(wasm)})   wasm/js ${(wasm / js).toFixed(1).padStart(4)}×   ` +
      `weights max rel. diff ${difference.toExponential(1)}${agree ? '' : ` > ${TOLERANCE}: DIFFER`}`,
  );
}
if (!allAgree) {
  console.error(`the backends disagree by more than ${TOLERANCE} relative`);
  process.exitCode = 1;
}
