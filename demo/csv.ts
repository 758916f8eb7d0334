// Rows pasted or uploaded as CSV, for the inference panel, read with the library's own parser
// (src/data/csv.ts): commas, semicolons or tabs, an optional header line, an optional last 0/1 label.
import { GradwasmError, parseCsv } from '../src/index.js';

export interface ParsedRows {
  /** The features as float32, row-major: rows × cols. */
  data: Float32Array;
  rows: number;
  cols: number;
  /** The label column, when the rows have one more value than the model has inputs. */
  labels: Float32Array | null;
}

/** The separator of the first line: a semicolon or tab when it has one and no comma. */
function delimiterOf(text: string): string {
  const first = text.slice(0, text.indexOf('\n') >>> 0);
  if (first.includes(',')) return ',';
  return first.includes(';') ? ';' : first.includes('\t') ? '\t' : ',';
}

/** Parse CSV text for a model of `inputs` inputs; returns the rows, or the message naming the line and column at fault. */
export function parseRows(text: string, inputs: number): ParsedRows | string {
  const options = { delimiter: delimiterOf(text), source: 'the CSV' };
  try {
    const all = parseCsv(text, { ...options, label: null });
    if (all.x.cols === inputs) return { ...all.x, labels: null };
    if (all.x.cols === inputs + 1) {
      const labelled = parseCsv(text, { ...options, label: -1 });
      return { ...labelled.x, labels: labelled.y };
    }
    return `The rows have ${all.x.cols} values; the model takes ${inputs} features per row (optionally followed by a 0/1 label).`;
  } catch (error) {
    if (error instanceof GradwasmError) return error.message;
    throw error;
  }
}
