// Training to the optimum (issue 14): breast-cancer logistic regression, z-scored (population
// std), weightDecay 1/n — scikit-learn's LogisticRegression(C=1) objective over C·n — from the
// same initial weights, by L-BFGS and by Adam (full batch and mini-batches of 32, two learning
// rates): the epochs (iterations) and the training time until the objective is within 1e-6
// relative of scikit-learn's optimum (data/sklearn-reference.json). The objective is measured
// between epochs, outside the timed fits. Adam is given at most MAX_EPOCHS epochs.
import { readFileSync } from 'node:fs';
import { Sequential, StandardScaler, dense, type FitOptions } from '../src/index.js';
import { readCsv } from '../src/node/index.js';
import { median, type Settings } from './measure.js';
import { tableLines } from './table.js';

const MAX_EPOCHS = 3000;
const WITHIN = 1e-6;

export interface OptimumRow {
  method: string;
  /** Epochs (L-BFGS: iterations) until within 1e-6, or null when not reached in MAX_EPOCHS. */
  epochs: number | null;
  /** Median training time until then (or over all MAX_EPOCHS), ms. */
  ms: number;
  /** (objective − optimum) / optimum at the end. */
  gap: number;
}

export interface OptimumReport {
  rows: OptimumRow[];
  optimum: number;
}

const METHODS: { method: string; options: FitOptions }[] = [
  { method: 'L-BFGS (full batch)', options: { optimizer: 'lbfgs' } },
  { method: 'Adam, lr 0.01, full batch', options: { optimizer: 'adam', learningRate: 0.01 } },
  { method: 'Adam, lr 0.1, full batch', options: { optimizer: 'adam', learningRate: 0.1 } },
  { method: 'Adam, lr 0.001, batch 32', options: { optimizer: 'adam', learningRate: 0.001, batchSize: 32 } },
  { method: 'Adam, lr 0.01, batch 32', options: { optimizer: 'adam', learningRate: 0.01, batchSize: 32 } },
];

export async function measureOptimum(settings: Settings, log: (line: string) => void): Promise<OptimumReport> {
  const table = await readCsv('data/breast_cancer.csv');
  const x = { ...table.x, data: StandardScaler.fit(table.x).transform(table.x) };
  const n = table.x.rows,
    decay = 1 / n;
  const optimum = (JSON.parse(readFileSync('data/sklearn-reference.json', 'utf8')) as { tables: Record<string, { optimum: { objective: number } }> }).tables
    .breast_cancer!.optimum.objective;
  const objective = (m: Sequential): number => {
    const w = m.getWeights()[0]!.weights;
    return m.gradients(x, table.y).loss + (w.reduce((s, v) => s + v * v, 0) * decay) / 2;
  };
  const rows: OptimumRow[] = [];
  for (const { method, options } of METHODS) {
    const times: number[] = [];
    let reached: number | null = null,
      gap = NaN;
    for (let rep = 0; rep <= Math.max(1, settings.repetitions); rep++) {
      const model = await Sequential.create({ inputs: table.x.cols, layers: [dense(1, 'sigmoid')], seed: 1, threads: 1 });
      let ms = 0,
        epochs = 0;
      reached = null;
      if (options.optimizer === 'lbfgs') {
        const t = performance.now();
        const history = await model.fit(x, table.y, { ...options, weightDecay: decay, epochs: MAX_EPOCHS });
        ms = performance.now() - t;
        gap = (objective(model) - optimum) / optimum;
        if (gap <= WITHIN) reached = history.loss.length;
      } else {
        // one epoch per call (Adam's state carries over between calls with the same options)
        while (epochs < MAX_EPOCHS) {
          const t = performance.now();
          await model.fit(x, table.y, { ...options, weightDecay: decay, epochs: 1 });
          ms += performance.now() - t;
          epochs++;
          gap = (objective(model) - optimum) / optimum;
          if (gap <= WITHIN) {
            reached = epochs;
            break;
          }
        }
      }
      model.dispose();
      if (rep > 0 || reached === null) times.push(ms); // the first run warms up (but for one that is not repeated)
      if (reached === null && options.optimizer !== 'lbfgs') break; // not reached: once is enough
    }
    rows.push({ method, epochs: reached, ms: times.length ? median(times) : NaN, gap });
    log(`  optimum: ${method}: ${reached === null ? `not within ${WITHIN} in ${MAX_EPOCHS} epochs` : `${reached} epochs`}, gap ${gap.toExponential(1)}`);
  }
  return { rows, optimum };
}

export function optimumLines(report: OptimumReport, markdown: boolean): string[] {
  const headers = ['method', 'epochs to the optimum (±1e-6)', 'time', 'objective − optimum (relative)'];
  const rows = report.rows.map((r) => [
    r.method,
    r.epochs === null ? `not in ${MAX_EPOCHS}` : String(r.epochs),
    Number.isNaN(r.ms) ? '—' : `${r.ms.toFixed(r.ms < 10 ? 2 : 0)} ms`,
    r.gap.toExponential(1),
  ]);
  return tableLines(headers, rows, '| :-- | --: | --: | --: |', markdown);
}
