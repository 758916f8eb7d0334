// `gradwasm predict model.json data.csv`: probabilities as CSV, to stdout or --out.
// `gradwasm evaluate model.json data.csv`: the metrics table on labelled rows.
import { readCsv } from '../node/index.js';
import type { CsvRows } from '../csv.js';
import type { BackendName, Sequential } from '../sequential.js';
import { loadModel, writeAtomically } from './files.js';
import { metricsTable } from './report.js';

/** A label given by name or index, as the CLI passes it. */
export function labelOption(label: string | undefined): string | number | undefined {
  return label === undefined ? undefined : /^-?\d+$/.test(label) ? Number(label) : label;
}

/** The feature rows of a CSV for this model: all columns, or all but the label column when
 *  the file has one more column than the model has inputs (or --label names it). */
async function featuresFor(model: Sequential, csv: string, label: string | undefined): Promise<CsvRows> {
  if (label !== undefined) return readCsv(csv, { label: labelOption(label)! });
  const all = await readCsv(csv, { label: null });
  return all.x.cols === model.inputs + 1 ? readCsv(csv) : all;
}

export async function predict(modelPath: string, csv: string, o: { out?: string; threshold: number; label?: string; backend: BackendName }, write: (text: string) => void): Promise<void> {
  const model = await loadModel(modelPath, o.backend);
  const { x } = await featuresFor(model, csv, o.label);
  const p = model.predictProba(x);
  const lines = ['probability,class'];
  for (const v of p) lines.push(`${v},${v > o.threshold ? 1 : 0}`);
  const text = lines.join('\n') + '\n';
  if (o.out) await writeAtomically(o.out, text);
  else write(text);
  model.dispose();
}

export async function evaluate(modelPath: string, csv: string, o: { threshold: number; label?: string; backend: BackendName }, print: (line: string) => void): Promise<void> {
  const model = await loadModel(modelPath, o.backend);
  const table = await readCsv(csv, o.label === undefined ? {} : { label: labelOption(o.label)! });
  print(`${csv}: ${table.x.rows} rows, label column '${table.label}', threshold ${o.threshold}`);
  print(metricsTable([[csv, model.evaluate(table.x, table.y, { threshold: o.threshold })]]));
  model.dispose();
}
