// `gradwasm predict model.json data.csv`: probabilities as CSV, to stdout or --out.
// `gradwasm evaluate model.json data.csv`: the metrics table on labelled rows.
// Both stream the file (a few MiB of it at a time, whatever its size): predict writes each
// chunk's lines as it goes, evaluate feeds the chunks to model.evaluateDataset.
import { shortestFloat32 } from '../core/float32-decimal.js';
import type { BackendName } from '../backend/backend.js';
import type { Sequential } from '../model/sequential.js';
import type { FileRows } from '../node/datasets.js';
import { labelledSource, rowsToPredict } from './columns.js';
import { checkOutput, loadModel, writeInPieces, type Write } from './files.js';
import { metricsTable } from './report.js';

export async function predict(
  modelPath: string,
  csv: string,
  o: { out?: string; threshold: number; label?: string; delimiter: string; backend: BackendName; threads?: number | 'auto' },
  write: Write,
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
    const rows = await rowsToPredict({ model, modelPath, csv, label: o.label, delimiter: o.delimiter }, note);
    // --out: a temporary file beside it, renamed into place at the end (a failure leaves none)
    const sink = output ? await writeInPieces(output) : { write, commit: async () => {}, discard: async () => {} };
    try {
      // (the header goes out with the first rows: a file that fails in its first piece writes nothing)
      let header: string | null = headerOf(model) + '\n';
      for await (const chunk of rows) {
        await sink.write((header ?? '') + linesOf(model, chunk.x, o.threshold));
        header = null;
      }
      await sink.commit();
    } catch (error) {
      await sink.discard();
      throw error;
    }
  } finally {
    model.dispose();
  }
}

/** The first line of predict's output. */
function headerOf(model: Sequential): string {
  // regression: the value, in a column named after the label
  if (model.isTask('regression')) return csvCell(model.labelName ?? 'value');
  // softmax: one probability column per class, named by it, then the class
  if (model.isTask('softmax')) return [...model.classes.map((c) => csvCell(`p(${c})`)), 'class'].join(',');
  return 'probability,class';
}

/** The output lines of some rows, each ended by a line break (each float32 as its shortest decimal). */
function linesOf(model: Sequential, rows: FileRows, threshold: number): string {
  const x = { data: rows.data.subarray(0, rows.rows * rows.stride), rows: rows.rows, cols: rows.cols };
  if (rows.stride !== rows.cols) x.data = packed(rows);
  const lines: string[] = [];
  if (model.isTask('regression')) {
    for (const v of model.predict(x)) lines.push(String(shortestFloat32(v)));
  } else if (model.isTask('softmax')) {
    const p = model.predictProba(x);
    const k = model.classes.length;
    const predicted = model.predictClasses(x);
    for (let r = 0; r < predicted.length; r++)
      lines.push([...Array.from(p.subarray(r * k, (r + 1) * k), shortestFloat32), csvCell(String(predicted[r]))].join(','));
  } else {
    for (const v of model.predictProba(x)) lines.push(`${shortestFloat32(v)},${v > threshold ? 1 : 0}`);
  }
  return lines.join('\n') + '\n';
}

/** Rows `stride` apart, packed `cols` apart (csvDataset's are packed already). */
function packed(rows: FileRows): Float32Array {
  const out = new Float32Array(rows.rows * rows.cols);
  for (let r = 0; r < rows.rows; r++) out.set(rows.data.subarray(r * rows.stride, r * rows.stride + rows.cols), r * rows.cols);
  return out;
}

export async function evaluate(
  modelPath: string,
  csv: string,
  o: { threshold: number; label?: string; delimiter: string; backend: BackendName; threads?: number | 'auto' },
  print: (line: string) => void,
): Promise<void> {
  const model = await loadModel(modelPath, o.backend, o.threads);
  try {
    const { rows, label } = await labelledSource({ model, modelPath, csv, label: o.label, delimiter: o.delimiter }, print);
    const options = model.task === 'binary' ? { threshold: o.threshold } : {};
    const evaluation = await model.evaluateDataset(rows, options);
    // (counted by the pass evaluateDataset made: count() reads the file no more)
    print(
      `${csv}: ${await rows.count()} rows, label column '${label}'${model.task === 'binary' ? `, threshold ${o.threshold}` : model.task === 'softmax' ? `, ${model.classes.length} classes` : ', regression'}`,
    );
    print(metricsTable(model.task, [[csv, evaluation]], model.classes));
  } finally {
    model.dispose();
  }
}

/** A CSV cell: quoted when it holds a comma, a quote or a line break (RFC 4180). */
function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
