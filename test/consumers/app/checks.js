// The checks every consumer of the packed package runs — in a page built by each bundler (or by
// none: an import map), and in Node — from this one source. It is handed the library's exports
// as the consumer imported them, and returns plain data that test/e2e/consumers.test.ts compares
// across consumers: float32 weights are summarised as a hash of their bit patterns, so "the same
// bits as Node" is one string compared.

/** The problem: two interleaved quadrants (XOR of the signs), from a fixed seed. */
export function xorProblem(rows = 256, seed = 12345) {
  const random = mulberry32(seed);
  const x = new Float32Array(rows * 2);
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const a = random() * 2 - 1,
      b = random() * 2 - 1;
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = a * b > 0 ? 1 : 0;
  }
  return { x: { data: x, rows, cols: 2 }, y };
}

/** Wide enough rows that a step's products are worth sharing between threads. */
export function wideProblem(rows = 2048, cols = 64, seed = 777) {
  const random = mulberry32(seed);
  const x = new Float32Array(rows * cols);
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += (x[i * cols + j] = random() * 2 - 1) * ((j % 3) - 1);
    y[i] = s > 0 ? 1 : 0;
  }
  return { x: { data: x, rows, cols }, y };
}

export const XOR_FIT = { epochs: 80, learningRate: 0.3, batchSize: 16 };
export const WIDE_FIT = { epochs: 3, learningRate: 0.01, batchSize: 256, optimizer: 'adam' };

/**
 * (a) fit a small MLP on the calling thread and predict; (b) the same model through
 * trainInWorker with no workerUrl; (c) a wide model with `threads: 2` against 1 thread.
 * `isolated` is the page's crossOriginIsolated (undefined in Node).
 */
export async function runChecks({ Sequential, dense, trainInWorker }) {
  const result = { isolated: globalThis.crossOriginIsolated };
  const { x, y } = xorProblem();
  const xorModel = { inputs: 2, layers: [dense(8, 'tanh'), dense(8, 'tanh'), dense(1, 'sigmoid')], seed: 1, threads: 1 };

  const model = await Sequential.create(xorModel);
  const history = await model.fit(x, y, XOR_FIT);
  result.fit = {
    firstLoss: history.loss[0],
    lastLoss: history.loss.at(-1),
    accuracy: accuracy(model.predictProba(x), y),
    weights: weightsHash(model.getWeights()),
  };
  model.dispose();

  const job = trainInWorker({ model: xorModel, x, y, fit: XOR_FIT });
  const done = await job.done;
  const trained = await Sequential.fromJSON(done.model);
  result.worker = {
    epochs: done.history.loss.length,
    cancelled: done.cancelled,
    accuracy: accuracy(trained.predictProba(x), y),
    weights: weightsHash(trained.getWeights()),
  };
  trained.dispose();

  const wide = wideProblem();
  const wideModel = (threads) => ({ inputs: wide.x.cols, layers: [dense(64, 'relu'), dense(32, 'relu'), dense(1, 'sigmoid')], seed: 3, threads });
  result.threads = {};
  for (const threads of [1, 2]) {
    const m = await Sequential.create(wideModel(threads));
    const h = await m.fit(wide.x, wide.y, WIDE_FIT);
    result.threads[threads] = { threads: m.threads, lastLoss: h.loss.at(-1), weights: weightsHash(m.getWeights()) };
    m.dispose();
  }
  return result;
}

function accuracy(p, y) {
  let right = 0;
  for (let i = 0; i < y.length; i++) right += (p[i] >= 0.5 ? 1 : 0) === y[i] ? 1 : 0;
  return right / y.length;
}

/** FNV-1a over the float32 bit patterns of every layer's weights then bias, with the count. */
export function weightsHash(layers) {
  let h = 0x811c9dc5,
    n = 0;
  for (const { weights, bias } of layers) {
    for (const values of [weights, bias]) {
      for (const word of new Uint32Array(Float32Array.from(values).buffer)) {
        for (let k = 0; k < 32; k += 8) h = Math.imul(h ^ ((word >>> k) & 0xff), 0x01000193);
        n++;
      }
    }
  }
  return `${n}:${(h >>> 0).toString(16).padStart(8, '0')}`;
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
