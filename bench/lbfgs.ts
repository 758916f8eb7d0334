// L-BFGS on breast-cancer logistic regression (issue 14's speed target: converged in ≤ 100
// iterations and under 50 ms): the bundled table z-scored (population std), weightDecay 1/n —
// scikit-learn's LogisticRegression(C=1) objective over C·n — fit with optimizer 'lbfgs' from a
// fresh model each run; iterations to converge, wall time of fit (median of interleaved runs
// after one warm-up each), and the objective against data/sklearn-reference.json's optimum.
// Build the core first (npm run build), then:
//   npx esbuild bench/lbfgs.ts --bundle --platform=node --format=esm --target=es2022 \
//     --loader:.wasm=binary --outfile=/tmp/lbfgs-bench.mjs
//   node /tmp/lbfgs-bench.mjs [runs=15]    (from the repository's root: it reads data/)
import { readFileSync } from 'node:fs';
import { Sequential, dense, type BackendName } from '../src/index.js';

const [, ...lines] = readFileSync('data/breast_cancer.csv', 'utf8').trim().split(/\r?\n/);
const table = lines.map((l) => l.split(',').map((v) => Math.fround(Number(v))));
const rows = table.length, cols = table[0]!.length - 1;
const x = new Float32Array(rows * cols);
for (let c = 0; c < cols; c++) {
  const mean = table.reduce((s, r) => s + r[c]!, 0) / rows;
  const std = Math.sqrt(table.reduce((s, r) => s + (r[c]! - mean) ** 2, 0) / rows) || 1;
  table.forEach((r, i) => (x[i * cols + c] = (r[c]! - mean) / std));
}
const y = Float32Array.from(table, (r) => r[cols]!);
const optimum = (JSON.parse(readFileSync('data/sklearn-reference.json', 'utf8')) as { tables: Record<string, { optimum: { objective: number } }> })
  .tables.breast_cancer!.optimum.objective;

async function timeFit(backend: BackendName, threads: number): Promise<{ ms: number; iterations: number; objective: number }> {
  const model = await Sequential.create({ inputs: cols, layers: [dense(1, 'sigmoid')], seed: 1, backend, threads });
  const began = performance.now();
  const history = await model.fit(x, y, { optimizer: 'lbfgs', weightDecay: 1 / rows, epochs: 1000 });
  const ms = performance.now() - began;
  const weights = model.getWeights()[0]!.weights;
  const objective = history.loss.at(-1)! + weights.reduce((s, w) => s + w * w, 0) / (2 * rows);
  model.dispose();
  return { ms, iterations: history.loss.length, objective };
}

const runs = Number(process.argv[2] ?? 15);
const median = (v: number[]): number => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)]!;
const configs: [BackendName, number][] = [['wasm', 1], ['wasm', 2], ['js', 1]];
console.log(`node ${process.version}, breast cancer (${rows} × ${cols}) logistic regression, L-BFGS, median of ${runs} interleaved runs after a warm-up`);
for (const [backend, threads] of configs) await timeFit(backend, threads);
const times = new Map<string, number[]>();
const last = new Map<string, { iterations: number; objective: number }>();
for (let r = 0; r < runs; r++) {
  for (const [backend, threads] of configs) {
    const key = `${backend}, ${threads} thread${threads > 1 ? 's' : ''}`;
    const t = await timeFit(backend, threads);
    (times.get(key) ?? times.set(key, []).get(key)!).push(t.ms);
    last.set(key, t);
  }
}
for (const [key, ms] of times) {
  const { iterations, objective } = last.get(key)!;
  console.log(`${key.padEnd(18)} ${iterations} iterations  ${median(ms).toFixed(2).padStart(6)} ms (min ${Math.min(...ms).toFixed(2)})  ` +
    `objective ${objective.toPrecision(10)} vs scikit-learn ${optimum.toPrecision(10)} (${((objective - optimum) / optimum).toExponential(1)} relative)`);
}
