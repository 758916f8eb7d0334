// `gradwasm predict model.json data.csv`: probabilities as CSV, to stdout or --out.
// `gradwasm evaluate model.json data.csv`: the metrics table on labelled rows.
import { shortestFloat32 } from '../core/float32-decimal.js';
import type { BackendName } from '../backend/backend.js';
import { labelledRows, rowsToPredict } from './columns.js';
import { checkOutput, loadModel, writeAtomically } from './files.js';
import { metricsTable } from './report.js';

export async function predict(
  modelPath: string,
  csv: string,
  o: { out?: string; threshold: number; label?: string; delimiter: string; backend: BackendName; threads?: number | 'auto' },
  write: (text: string) => void,
  note: (line: string) => void,
): Promise<void> {
  const output =
    o.out === undefined
      ? null
      : await checkOutput(o.out, '--out', [
          { path: modelPath, what: 'the model' },
          { path: csv, what: 'the data' },
        ]);
  const model = await loadModel(modelPath, o.backend, o.threads);
  try {
    const { x } = await rowsToPredict({ model, modelPath, csv, label: o.label, delimiter: o.delimiter }, note);
    const lines: string[] = [];
    if (model.isTask('regression')) {
      // the value, in a column named after the label (each float32 as its shortest decimal)
      lines.push(csvCell(model.labelName ?? 'value'));
      for (const v of model.predict(x)) lines.push(String(shortestFloat32(v)));
    } else if (model.isTask('softmax')) {
      const p = model.predictProba(x);
      // one probability column per class, named by it, then the class (each float32 as its shortest decimal)
      const classes = model.classes,
        k = classes.length;
      const predicted = model.predictClasses(x);
      lines.push([...classes.map((c) => csvCell(`p(${c})`)), 'class'].join(','));
      for (let r = 0; r < predicted.length; r++)
        lines.push([...Array.from(p.subarray(r * k, (r + 1) * k), shortestFloat32), csvCell(String(predicted[r]))].join(','));
    } else {
      const p = model.predictProba(x);
      lines.push('probability,class');
      for (const v of p) lines.push(`${shortestFloat32(v)},${v > o.threshold ? 1 : 0}`); // each float32 as its shortest decimal
    }
    const text = lines.join('\n') + '\n';
    if (output) await writeAtomically(output, text);
    else write(text);
  } finally {
    model.dispose();
  }
}

export async function evaluate(
  modelPath: string,
  csv: string,
  o: { threshold: number; label?: string; delimiter: string; backend: BackendName; threads?: number | 'auto' },
  print: (line: string) => void,
): Promise<void> {
  const model = await loadModel(modelPath, o.backend, o.threads);
  try {
    const table = await labelledRows({ model, modelPath, csv, label: o.label, delimiter: o.delimiter }, print);
    print(
      `${csv}: ${table.x.rows} rows, label column '${table.label}'${model.task === 'binary' ? `, threshold ${o.threshold}` : model.task === 'softmax' ? `, ${model.classes.length} classes` : ', regression'}`,
    );
    const options = model.task === 'binary' ? { threshold: o.threshold } : {};
    print(metricsTable(model.task, [[csv, model.evaluate(table.x, table.y, options)]], model.classes));
  } finally {
    model.dispose();
  }
}

/** A CSV cell: quoted when it holds a comma, a quote or a line break (RFC 4180). */
function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
