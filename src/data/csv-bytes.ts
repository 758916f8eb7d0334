// CSV from bytes, a piece at a time, never as one string: what csvDataset (gradwasm/node) streams
// files with. It reads what parseCsv reads — RFC 4180 quoting, LF/CRLF/CR, a UTF-8 BOM, header
// detection, the label column by name or index — with the same messages, and gives every cell
// the value parseCsv gives it: Math.fround(Number(cell)) (labels: Number(cell)). The common
// cell, an unquoted decimal, is read straight from its bytes: with at most 15 significant digits
// and a small exponent its value m·10^e is one correctly rounded float64 operation on exact
// operands (Clinger's fast path), so it is the float64 Number() gives; with more digits (a
// float64's repr, NumPy's %.18e) it is read to within 2^−47 and rounded to float32 when no
// float32 rounding boundary lies that close (float32Of), which is all but one cell in a million.
// Any other cell — quotes, non-ASCII spaces, subnormals, a rounding too close to call — is decoded
// and read by Number() itself.
import { concatBytes } from '../core/bytes.js';
import { DataError } from '../core/errors.js';
import { describe } from '../core/checks.js';
import { NUMBER, planColumns, type CsvOptions } from './csv.js';
import type { ClassName } from './classes.js';

const QUOTE = 34,
  CR = 13,
  LF = 10,
  SPACE = 32,
  TAB = 9,
  PLUS = 43,
  MINUS = 45,
  POINT = 46;
/** 10^0 … 10^22: every one exact in float64. */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
const decoder = new TextDecoder();
/** Problems listed in one error; the rest are counted (as parseCsv). */
const LISTED = 10;

/** The value of the cell in bytes [start, end) as Number() reads it, when the fast path can tell; NaN otherwise. */
export function fastNumber(b: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && (b[i] === SPACE || b[i] === TAB)) i++;
  while (end > i && (b[end - 1] === SPACE || b[end - 1] === TAB)) end--;
  const negative = b[i] === MINUS;
  if (negative || b[i] === PLUS) i++;
  let m = 0,
    significant = 0,
    fraction = 0,
    digits = 0,
    point = false;
  for (; i < end; i++) {
    const d = b[i]! - 48;
    if (d >= 0 && d <= 9) {
      digits++;
      if (point) fraction++;
      if (m === 0 && d === 0) continue; // a leading zero
      if (++significant > 15) return NaN;
      m = m * 10 + d;
    } else if (b[i] === POINT && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (digits === 0) return NaN;
  let exponent = 0;
  if (i < end) {
    if ((b[i]! | 32) !== 101) return NaN; // e or E
    i++;
    const minus = b[i] === MINUS;
    if (minus || b[i] === PLUS) i++;
    const first = i;
    for (; i < end; i++) {
      const d = b[i]! - 48;
      if (d < 0 || d > 9 || i - first >= 5) return NaN;
      exponent = exponent * 10 + d;
    }
    if (i === first) return NaN;
    if (minus) exponent = -exponent;
  }
  if (m === 0) return negative ? -0 : 0;
  const e = exponent - fraction;
  if (e > 22 || e < -22) return NaN;
  const v = times10(m, e);
  return negative ? -v : v;
}

/** m·10^e: one correctly rounded operation on exact operands for |e| ≤ 22, two to |e| ≤ 44; NaN beyond. */
function times10(m: number, e: number): number {
  if (e === 0) return m;
  if (e > 0) return e <= 22 ? m * POW10[e]! : e <= 44 ? m * POW10[22]! * POW10[e - 22]! : NaN;
  return e >= -22 ? m / POW10[-e]! : e >= -44 ? m / POW10[22]! / POW10[-e - 22]! : NaN;
}

/** Where scanNumber's cell ended (its delimiter or line end, or the end of the bytes). */
let scanned = 0;
/** Whether scanNumber's value is only close to Number()'s (see float32Of), not equal to it. */
let approximate = false;

/** Significant digits scanNumber reads before it leaves a cell to Number(). */
const MAX_DIGITS = 40;

/**
 * The common cell in one pass: [+-]digits[.digits][(e|E)[+-]digits] with an exponent of at most 4
 * digits, straight up to a delimiter, a line end or the end of the bytes (then `scanned` is
 * where). With at most 15 significant digits and a power of ten of at most 22 the value is the
 * float64 Number() gives (Clinger); with more digits (to MAX_DIGITS) or a power to 10^±44 it is
 * within 2^−47 of it, and `approximate` is set. NaN for anything else (spaces included): the
 * caller then finds the cell's end and reads it the careful way.
 */
function scanNumber(b: Uint8Array, i: number, n: number, delimiter: number): number {
  const negative = b[i] === MINUS;
  if (negative || b[i] === PLUS) i++;
  let m = 0,
    significant = 0,
    fraction = 0,
    digits = 0;
  let c = b[i]!;
  for (; i < n; c = b[++i]!) {
    const d = c - 48;
    if (d < 0 || d > 9) break;
    digits++;
    if (m === 0 && d === 0) continue;
    significant++;
    m = m * 10 + d;
  }
  if (c === POINT && i < n) {
    for (c = b[++i]!; i < n; c = b[++i]!) {
      const d = c - 48;
      if (d < 0 || d > 9) break;
      digits++;
      fraction++;
      if (m === 0 && d === 0) continue;
      significant++;
      m = m * 10 + d;
    }
  }
  if (digits === 0 || significant > MAX_DIGITS) return NaN;
  let exponent = 0;
  if ((c | 32) === 101 && i < n) {
    c = b[++i]!;
    const minus = c === MINUS;
    if (minus || c === PLUS) c = b[++i]!;
    const first = i;
    for (; i < n; c = b[++i]!) {
      const d = c - 48;
      if (d < 0 || d > 9) break;
      exponent = exponent * 10 + d;
    }
    if (i === first || i - first > 4) return NaN;
    if (minus) exponent = -exponent;
  }
  if (i < n && c !== delimiter && c !== CR && c !== LF) return NaN;
  scanned = i;
  approximate = false;
  if (m === 0) return negative ? -0 : 0;
  const e = exponent - fraction;
  const v = times10(m, e);
  if (v !== v) return NaN;
  approximate = significant > 15 || e > 22 || e < -22;
  return negative ? -v : v;
}

const f32 = new Float32Array(1),
  u32 = new Uint32Array(f32.buffer);
/** 2^−44: a bound, with room to spare, on scanNumber's relative error when it is approximate
 *  (each of at most MAX_DIGITS − 15 inexact digit steps and three scalings rounds twice at most). */
const SLACK = 2 ** -44;
const FLOAT32_NORMAL_MIN = 2 ** -126,
  FLOAT32_TOP = 2 ** 127;

/**
 * Math.fround(Number(cell)) from `a`, a value within SLACK of the cell's exact value, when that
 * is certain; NaN when not. The float32 nearest `a` is the answer unless the exact value could
 * lie across one of its rounding boundaries — the midpoints to its neighbours — that is, unless
 * `a` is within SLACK of one. Otherwise neither the exact value nor the float64 Number() gives
 * (nearer still to it) can be on the other side, so all round to the same float32. About one
 * cell in 2^20 falls that close; subnormal and huge results are left to Number() too.
 */
export function float32Of(a: number): number {
  const magnitude = Math.abs(a);
  if (!(magnitude >= FLOAT32_NORMAL_MIN && magnitude < FLOAT32_TOP)) return NaN;
  f32[0] = magnitude;
  const f = f32[0]!;
  const bits = u32[0]!;
  u32[0] = bits + 1;
  const up = f32[0]!;
  u32[0] = bits - 1;
  const down = f32[0]!;
  const tolerance = magnitude * SLACK;
  if (magnitude - (f + down) / 2 <= tolerance || (f + up) / 2 - magnitude <= tolerance) return NaN;
  return a < 0 ? -f : f;
}

/** The value of a cell's text as parseCsv reads it: a number after trimming, else NaN. */
function slowNumber(text: string): number {
  const t = text.trim();
  return NUMBER.test(t) ? Number(t) : NaN;
}

/** Rows of a table as float32 features and 0/1 labels: what a parse gives back. */
export interface ParsedRows {
  x: Float32Array;
  y: Float32Array;
  rows: number;
}

/**
 * Parses CSV bytes fed to it in pieces: parse() takes the complete records of a piece and says
 * where the first incomplete one starts (the caller gives those bytes again with the next
 * piece); take() hands over the rows parsed so far. The first record settles the header, the
 * columns and the label column; a problem in a piece throws one GradwasmError listing the
 * problems of that piece, by line and column.
 */
export class CsvByteParser {
  /** Column names (the label's among them); set by the first record. */
  names: string[] = [];
  labelAt = -1;
  /** Feature columns read, and their names in the order read; set by the first record. */
  cols = 0;
  features: string[] = [];
  /** Columns not read (options.features does not name them, and not the label). */
  ignored: string[] = [];
  /** Where each column's value goes in a row: its feature index, or −1 (the label, or a column not read). */
  private featureAt: number[] = [];
  /** Whether featureAt is every column in the file's order but the label: the hot loop's case, written straight into place. */
  private direct = true;
  private width = 0;
  private started = false;
  /** Whether the first record named the columns; set by it. */
  hasHeader = false;
  private line = 1;
  private blanks: number[] = [];
  private x = new Float32Array(0);
  private y = new Float32Array(0);
  private rows = 0;
  private hint = 1024;
  private problems: string[] = [];
  private readonly delimiter: number;

  /** Labels that name classes: null (0/1 labels); a Map from each class (a number, or a label's
   *  trimmed text) to its index; or a Set that collects the label texts seen (a pass that finds the classes). */
  private readonly classes: Map<ClassName, number> | Set<string> | null;
  private readonly numericClasses: boolean;
  /** Labels that are real targets (a regression's). */
  private readonly values: boolean;

  constructor(
    private readonly options: {
      label: CsvOptions['label'];
      /** The feature columns by name, in the order wanted (see CsvOptions.features); default every column but the label. */
      features?: readonly string[];
      header: boolean | 'auto';
      delimiter: string;
      source: string;
      /** 'binary' (0/1 labels), the classes labels name (their index is y), 'collect' (see seen()), or 'values' (real targets). */
      classes?: 'binary' | readonly ClassName[] | 'collect' | 'values';
    },
  ) {
    this.delimiter = options.delimiter.charCodeAt(0);
    const c = options.classes ?? 'binary';
    this.values = c === 'values';
    this.classes = c === 'binary' || c === 'values' ? null : c === 'collect' ? new Set() : new Map(c.map((name, i) => [name, i]));
    this.numericClasses = Array.isArray(c) && c.every((name) => typeof name === 'number');
  }

  /** The label texts (trimmed) a 'collect' parse has seen. */
  seen(): Set<string> {
    return this.classes as Set<string>;
  }

  /** The rows parsed since the last take(). */
  take(): ParsedRows {
    const out = { x: this.x.subarray(0, this.rows * this.cols), y: this.y.subarray(0, this.rows), rows: this.rows };
    this.hint = Math.max(this.hint, this.rows); // the next piece likely holds as many rows
    this.x = new Float32Array(0);
    this.y = new Float32Array(0);
    this.rows = 0;
    return out;
  }

  /** Parse the complete records of b[from…]; `final` when b ends the file. Returns the offset of
   *  the first record it could not complete (b.length when none). */
  parse(b: Uint8Array, from: number, final: boolean): number {
    let i = from;
    if (!this.started && i === 0 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) i = 3; // a UTF-8 byte order mark
    const n = b.length,
      delimiter = this.delimiter;
    let direct = this.direct,
      featureAt = this.featureAt;
    while (i < n) {
      const recordStart = i,
        recordLine = this.line;
      // An empty line: ignored at the end, an error once a row follows (as parseCsv).
      let e = i;
      while (e < n && (b[e] === SPACE || b[e] === TAB)) e++;
      if ((e === n || (b[e] === CR && e + 1 === n)) && !final) return recordStart;
      if (e === n || b[e] === CR || b[e] === LF) {
        i = b[e] === CR && b[e + 1] === LF ? e + 2 : e + 1;
        this.line++;
        this.blanks.push(recordLine);
        continue;
      }
      let line = this.line;
      const cells: (string | number)[] | null = this.started ? null : []; // the first record's texts
      let cell = 0,
        complete = true,
        extra = '';
      if (this.started) this.ensureRoom();
      const x = this.x,
        base = this.rows * this.cols;
      let k = base;
      for (;;) {
        const cellLine = line; // (a problem is told at the line its cell starts on, as parseCsv tells it)
        let j = i;
        while (j < n && (b[j] === SPACE || b[j] === TAB) && b[j] !== delimiter) j++;
        let value: number,
          text: string | null = null;
        if (b[j] === QUOTE) {
          const opened = line;
          const parts: Uint8Array[] = [];
          let at = j + 1;
          for (;;) {
            let close = at;
            while (close < n && b[close] !== QUOTE) {
              if (b[close] === LF || (b[close] === CR && b[close + 1] !== LF)) line++;
              close++;
            }
            if (close >= n) {
              if (!final) {
                complete = false;
                break;
              }
              // (as parseCsv: a malformed quote ends the table; its problems so far are told)
              this.problems.push(`line ${opened}, column ${cell + 1}: a quoted cell starts here and is never closed`);
              this.throwProblems();
            }
            parts.push(b.subarray(at, close));
            if (b[close + 1] === QUOTE) {
              parts.push(b.subarray(close, close + 1));
              at = close + 2;
            } else {
              j = close + 1;
              break;
            }
          }
          if (!complete) break;
          while (j < n && (b[j] === SPACE || b[j] === TAB) && b[j] !== delimiter) j++;
          if (j < n && b[j] !== delimiter && b[j] !== CR && b[j] !== LF) {
            this.problems.push(
              `line ${line}, column ${cell + 1}: ${describe(decoder.decode(b.subarray(j, j + 10)))} follows the closing quote of a quoted cell; a quote inside a quoted cell is written ""`,
            );
            this.throwProblems();
          }
          if (j === n && !final) {
            complete = false;
            break;
          }
          text = decoder.decode(concatBytes(parts));
          value = slowNumber(text);
        } else {
          const start = i;
          // One pass over the common cell: its number read as its end is found.
          value = this.started ? scanNumber(b, start, n, delimiter) : NaN;
          j = value === value ? scanned : start;
          if (j === start) {
            while (j < n && b[j] !== delimiter && b[j] !== CR && b[j] !== LF) j++;
            value = NaN;
          } else if (approximate) {
            // close to Number()'s value, which only a feature (rounded to float32) can settle for
            value = cell !== this.labelAt && cell < this.width ? float32Of(value) : NaN;
          }
          if (j === n && !final) {
            complete = false;
            break;
          }
          if (value !== value) {
            value = this.started ? fastNumber(b, start, j) : NaN;
            if (value !== value) {
              text = decoder.decode(b.subarray(start, j));
              value = slowNumber(text);
            }
          }
        }
        const f = Math.fround(value);
        if (cells) cells.push(text ?? value);
        else if (f - f === 0 && direct && cell !== this.labelAt && cell < this.width)
          x[k++] = f; // the common cell, inline
        else if (cell === this.labelAt) this.label(value, text, b, i, j, cellLine, cell);
        else if (cell < this.width) {
          // (columns options.features leaves out are never read, as parseCsv never reads them)
          if (direct) this.feature(value, text, b, i, j, cellLine, cell, k++);
          else if (featureAt[cell]! >= 0) this.feature(value, text, b, i, j, cellLine, cell, base + featureAt[cell]!);
        } else if (cell === this.width) extra = text ?? decoder.decode(b.subarray(i, j));
        cell++;
        i = j;
        if (b[i] === delimiter) {
          i++;
          continue;
        }
        if (b[i] === CR && i + 1 === n && !final) {
          // CR LF cut in two: the record ends in the next piece
          complete = false;
          break;
        }
        if (b[i] === CR) i += b[i + 1] === LF ? 2 : 1;
        else if (b[i] === LF) i++;
        if (i > j) this.line = line + 1;
        break;
      }
      if (!complete) {
        this.throwProblems();
        return recordStart;
      }
      if (this.problems.length && cells) this.throwProblems();
      for (const l of this.blanks) this.problems.push(`line ${l}: an empty line inside the table`);
      this.blanks = [];
      if (cells) {
        this.start(cells, recordLine);
        ({ direct, featureAt } = this); // (settled by the first record)
        continue;
      }
      if (cell !== this.width) {
        const widthOf = this.hasHeader ? 'the header' : 'line 1';
        this.problems.push(
          cell < this.width
            ? `${this.where(recordLine, cell)}: missing; the row has ${cell} cells, ${widthOf} has ${this.width}`
            : `line ${recordLine}, column ${this.width + 1}: ${describe(extra)} is one cell too many; the row has ${cell} cells, ${widthOf} has ${this.width}`,
        );
        continue;
      }
      this.rows++;
    }
    this.throwProblems();
    return n;
  }

  /** The end of the file: anything fed since is parsed; a table with no rows is an error. */
  finish(): void {
    if (!this.started) throw new DataError('path', `${this.options.source} holds no rows`);
  }

  /** The first record: the header (or the first row), the columns, the label column. */
  private start(cells: (string | number)[], line: number): void {
    const { header, label, features, source } = this.options;
    const texts = cells.map((c) => (typeof c === 'string' ? c : String(c)));
    this.width = texts.length;
    this.hasHeader = header === 'auto' ? texts.some((c) => c.trim() !== '' && !NUMBER.test(c.trim())) : header;
    const plan = planColumns(texts, this.hasHeader, label, features, source, 'path');
    ({ names: this.names, labelAt: this.labelAt, cols: this.cols, features: this.features, ignored: this.ignored, featureAt: this.featureAt } = plan);
    this.direct = plan.featureAt.every((at, c) => c === plan.labelAt || at === c - (plan.labelAt >= 0 && c > plan.labelAt ? 1 : 0));
    this.started = true;
    if (this.hasHeader) return;
    // no header: the first record is a row
    this.ensureRoom();
    texts.forEach((t, c) => {
      const v = slowNumber(t);
      if (c === this.labelAt) this.label(v, t, null, 0, 0, line, c);
      else if (plan.featureAt[c]! >= 0) this.feature(v, t, null, 0, 0, line, c, plan.featureAt[c]!);
    });
    this.throwProblems();
    this.rows++;
  }

  private label(value: number, text: string | null, b: Uint8Array | null, start: number, end: number, line: number, c: number): void {
    if (this.classes) {
      const t = (text ?? decoder.decode(b!.subarray(start, end))).trim();
      if (t === '') this.problems.push(`${this.where(line, c)}: empty; every label must name a class`);
      else if (this.classes instanceof Set) this.classes.add(t);
      else {
        const index = this.classes.get(this.numericClasses && NUMBER.test(t) ? Number(t) : t);
        if (index === undefined)
          this.problems.push(`${this.where(line, c)}: ${describe(t)} is not one of the classes ${JSON.stringify([...this.classes.keys()])}`);
        else this.y[this.rows] = index;
      }
      return;
    }
    if (this.values) {
      if (Number.isFinite(Math.fround(value))) this.y[this.rows] = value;
      else {
        const t = (text ?? decoder.decode(b!.subarray(start, end))).trim();
        this.problems.push(
          `${this.where(line, c)}: ${t === '' ? 'empty' : `${describe(t)} is not a number`}; targets must be finite numbers (within float32's range)`,
        );
      }
      return;
    }
    if (value === 0 || value === 1) {
      this.y[this.rows] = value === 1 ? 1 : 0; // (-0 is the label 0, as parseCsv stores it)
      return;
    }
    const t = text ?? decoder.decode(b!.subarray(start, end));
    this.problems.push(`${this.where(line, c)}: ${t.trim() === '' ? 'empty' : `${describe(t)} is not a label`}; labels must be 0 or 1`);
  }

  private feature(value: number, text: string | null, b: Uint8Array | null, start: number, end: number, line: number, c: number, k: number): void {
    const f = Math.fround(value);
    if (f - f === 0) {
      this.x[k] = f;
      return;
    }
    const t = text ?? decoder.decode(b!.subarray(start, end));
    const why =
      t.trim() === ''
        ? 'empty; every feature must be a number'
        : Number.isFinite(value)
          ? `${describe(t)} is outside the float32 range (±3.4e38)`
          : `${describe(t)} is not a number`;
    this.problems.push(`${this.where(line, c)}: ${why}`);
  }

  private where(line: number, c: number): string {
    return `line ${line}, column ${c + 1}${c < this.width ? ` (${this.names[c]})` : ''}`;
  }

  /** Room for one more row. */
  private ensureRoom(): void {
    if ((this.rows + 1) * this.cols <= this.x.length) return;
    const capacity = Math.max(this.hint + 1, 2 * this.rows + 2);
    const x = new Float32Array(capacity * this.cols),
      y = new Float32Array(capacity);
    x.set(this.x.subarray(0, this.rows * this.cols));
    y.set(this.y.subarray(0, this.rows));
    this.x = x;
    this.y = y;
  }

  private throwProblems(): void {
    const { problems } = this;
    if (problems.length === 0) return;
    const source = this.options.source;
    if (problems.length === 1) throw new DataError('path', `${source}: ${problems[0]}`);
    const more = problems.length > LISTED ? `\n  … and ${problems.length - LISTED} more` : '';
    throw new DataError('path', `${source} has ${problems.length} problems:\n  ${problems.slice(0, LISTED).join('\n  ')}${more}`);
  }
}
