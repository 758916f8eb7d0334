// `gradwasm predict model.json data.csv`: probabilities as CSV, to stdout or --out.
// `gradwasm evaluate model.json data.csv`: the metrics table on labelled rows.
import { GradwasmError } from '../errors.js';
import { readCsv } from '../node/index.js';
import type { CsvRows } from '../csv.js';
import type { BackendName, Sequential } from '../sequential.js';
import { checkOutput, loadModel, writeAtomically } from './files.js';
import { metricsTable } from './report.js';

/** A label given by name or index, as the CLI passes it. */
export function labelOption(label: string | undefined): string | number | undefined {
  return label === undefined ? undefined : /^-?\d+$/.test(label) ? Number(label) : label;
}

/** The feature rows of a CSV for this model: all columns, or all but the label column when
 *  the file has one more column than the model has inputs (or --label names it). */
async function featuresFor(model: Sequential, modelPath: string, csv: string, label: string | undefined): Promise<CsvRows> {
  const rows = label !== undefined
    ? await readCsv(csv, { label: labelOption(label)! })
    : await readCsv(csv, { label: null }).then((all) => (all.x.cols === model.inputs + 1 ? readCsv(csv) : all));
  if (label === undefined && rows.x.cols !== model.inputs) {
    throw new GradwasmError('csv', `${csv} has ${rows.x.cols} columns, but ${modelPath} takes ${model.inputs} inputs (${model.inputs + 1} columns with a label)`);
  }
  checkWidth(rows.x.cols, model, modelPath, csv);
  return rows;
}

/** Rows whose label column was left out must have the model's width. */
export function checkWidth(cols: number, model: Sequential, modelPath: string, csv: string): void {
  if (cols === model.inputs) return;
  throw new GradwasmError('csv', `${csv} has ${cols} feature columns (its label column left out), but ${modelPath} takes ${model.inputs} inputs`);
}

export async function predict(modelPath: string, csv: string, o: { out?: string; threshold: number; label?: string; backend: BackendName; threads?: number | 'auto' }, write: (text: string) => void): Promise<void> {
  const output = o.out === undefined ? null : await checkOutput(o.out, '--out', [{ path: modelPath, what: 'the model' }, { path: csv, what: 'the data' }]);
  const model = await loadModel(modelPath, o.backend, o.threads);
  try {
    const { x } = await featuresFor(model, modelPath, csv, o.label);
    const p = model.predictProba(x);
    const lines = ['probability,class'];
    for (const v of p) lines.push(`${v},${v > o.threshold ? 1 : 0}`);
    const text = lines.join('\n') + '\n';
    if (output) await writeAtomically(output, text);
    else write(text);
  } finally {
    model.dispose();
  }
}

export async function evaluate(modelPath: string, csv: string, o: { threshold: number; label?: string; backend: BackendName; threads?: number | 'auto' }, print: (line: string) => void): Promise<void> {
  const model = await loadModel(modelPath, o.backend, o.threads);
  try {
    const table = await readCsv(csv, o.label === undefined ? {} : { label: labelOption(o.label)! });
    checkWidth(table.x.cols, model, modelPath, csv);
    print(`${csv}: ${table.x.rows} rows, label column '${table.label}', threshold ${o.threshold}`);
    print(metricsTable([[csv, model.evaluate(table.x, table.y, { threshold: o.threshold })]]));
  } finally {
    model.dispose();
  }
}
