// CSV text → feature rows and labels. Pure string work (no file system), so it runs in
// browsers too; src/node/index.ts adds readCsv(path). RFC 4180: quoted cells may hold the
// delimiter, doubled quotes and line breaks; lines end in LF or CRLF; a UTF-8 BOM is skipped.
import { DataError, GradwasmError, OptionError, type DataLocation } from '../core/errors.js';
import { checkKeys, checkObject, describe } from '../core/checks.js';
import { checkClassList, classIndices, classesOf, type ClassName } from './classes.js';

/** Options of {@link parseCsv} and `readCsv`. */
export interface CsvOptions {
  /**
   * The label column: its header name, or its 0-based index (negative counts from the end,
   * −1 is the last); `null` for a table without labels. Default: the column named `label`
   * (in any case) if the header has one, else the last column.
   */
  label?: string | number | null;
  /**
   * Whether the first row names the columns. Default `'auto'`: it does when any of its cells
   * is not a number. Without a header, columns are named `col1`, `col2`, …
   */
  header?: boolean | 'auto';
  /**
   * The cell separator: one character, or `'auto'` to take from the first line whichever of
   * `,` `;` and tab it holds most often outside quotes (`,` when it holds none). Default `','`.
   */
  delimiter?: string;
  /**
   * The feature columns to read, by header name, in the order wanted: columns come out in this
   * order whatever their order in the text, and other columns (besides the label) are skipped
   * unread and listed in `ignored`. A name the header lacks is an error. Without a header the
   * columns are taken by position and must be as many as these names. Default: every column.
   */
  features?: readonly string[];
  /**
   * What the label column holds: `'binary'` (the default), 0 or 1; `'classes'`, the names or codes
   * of any number of classes (`setosa`, or 1, 2, 3), which come out sorted as numpy.unique sorts
   * them — numbers by value if every label is a number, else texts by code point — in the
   * table's `classes`, and as their indices in `y`; `'values'`, real numbers (a regression's
   * targets: any finite float32).
   */
  labels?: 'binary' | 'classes' | 'values';
  /** With `labels: 'classes'`: the classes, as a model knows them (`model.classes`); a label
   *  that names none of them is an error. Default: those the column holds. */
  classes?: readonly ClassName[];
  /** What error messages call the text, a file name say. Default `'text'`. */
  source?: string;
}

/** Feature rows read from CSV: row-major float32, as every gradwasm method takes them. */
export interface CsvRows {
  /** The feature cells, row-major float32 (`rows × cols`): pass it as `x` to any method. */
  x: { data: Float32Array; rows: number; cols: number };
  /** The names of the feature columns, in order (the label column left out). */
  features: string[];
  /** Whether the first row named the columns (else the names are `col1`, `col2`, … or `options.features`). */
  header: boolean;
  /** Columns skipped because `options.features` does not name them (the label's not among them). */
  ignored: string[];
}

/** A labelled table read from CSV. */
export interface CsvTable extends CsvRows {
  /** One label per row: 0/1, (`labels: 'classes'`) the index of its class in `classes`, or (`labels: 'values'`) the target. */
  y: Float32Array;
  /** The label column's name. */
  label: string;
  /** With `labels: 'classes'`: the classes, in index order. */
  classes?: ClassName[];
}

/** Problems listed in an error message; the rest are counted. */
const LISTED = 10;
import { NUMBER } from './csv-number.js';

export { NUMBER };

/**
 * Parse CSV text into feature rows `x`, labels `y` and column names. Every cell must be a
 * finite number (surrounding spaces allowed), every label 0 or 1, every row as wide as the
 * first; empty lines at the end are ignored. Otherwise it throws one {@link GradwasmError}
 * listing the bad cells by 1-based line and column, with their text — `text: line 5, column 3
 * (radius): "abc" is not a number`; several go on lines of their own, the first ten listed.
 */
export function parseCsv(text: string, options: CsvOptions & { label: null }): CsvRows;
export function parseCsv(text: string, options?: CsvOptions): CsvTable;
export function parseCsv(text: string, options: CsvOptions = {}): CsvRows | CsvTable {
  if (typeof text !== 'string') throw new DataError('text', `text must be a string of CSV, got ${describe(text)}`);
  const { label, header, delimiter: asked, source, features: wanted, labels: kind, classes: given } = checkOptions(options);
  const texts: string[] = [], // the label cells, when they name classes…
    textLines: number[] = []; // …and their lines
  const argument = 'text';
  const records = new Records(text, asked === 'auto' ? sniffDelimiter(text) : asked);
  const problems: string[] = [];
  let firstProblem: DataLocation = { source }; // where the first problem is (line and column, when a cell)
  const fail = (): never => {
    if (problems.length === 1) throw new DataError(argument, `${source}: ${problems[0]}`, firstProblem);
    const more = problems.length > LISTED ? `\n  … and ${problems.length - LISTED} more` : '';
    throw new DataError(argument, `${source} has ${problems.length} problems:\n  ${problems.slice(0, LISTED).join('\n  ')}${more}`, firstProblem);
  };
  /** A bad cell: the first one's place goes into the error's fields. */
  const cellProblem = (text: string, line: number, column: string | number): void => {
    if (!problems.length) firstProblem = { source, line, column };
    problems.push(text);
  };

  // Empty lines: ignored at the end, reported anywhere else (they are found only once a row follows).
  let blanks: number[] = [];
  const next = (): Row | null => {
    for (let row = records.next(); row; row = records.next()) {
      if (row.blank) {
        blanks.push(row.line);
        continue;
      }
      for (const line of blanks) problems.push(`line ${line}: an empty line inside the table`);
      blanks = [];
      return row;
    }
    if (records.error) problems.push(records.error);
    return null;
  };

  const first = next();
  if (!first) {
    if (problems.length) fail();
    throw new DataError(argument, `${source} holds no rows`);
  }
  const width = first.cells.length;
  const hasHeader = header === 'auto' ? namesColumns(first.cells) : header;
  const { names, labelAt, featureAt, cols, features, ignored } = planColumns(first.cells, hasHeader, label, wanted, source, argument);
  const widthOf = hasHeader ? 'the header' : `line ${first.line}`;

  let capacity = 1024;
  let data = new Float32Array(capacity * cols);
  let y = new Float32Array(labelAt < 0 ? 0 : capacity);
  let rows = 0;
  for (let row = hasHeader ? next() : first; row; row = next()) {
    const { cells, line, lines } = row;
    const where = (c: number): string => `line ${lines[c] ?? line}, column ${c + 1}${c < width ? ` (${names[c]})` : ''}`;
    const bad = (c: number, text: string): void => cellProblem(`${where(c)}: ${text}`, lines[c] ?? line, hasHeader && c < width ? names[c]! : c);
    if (rows === capacity) {
      capacity *= 2;
      const grown = new Float32Array(capacity * cols);
      grown.set(data);
      data = grown;
      if (labelAt >= 0) {
        const labels = new Float32Array(capacity);
        labels.set(y);
        y = labels;
      }
    }
    if (cells.length !== width) {
      if (cells.length < width) bad(cells.length, `missing; the row has ${cells.length} cells, ${widthOf} has ${width}`);
      else bad(width, `${describe(cells[width])} is one cell too many; the row has ${cells.length} cells, ${widthOf} has ${width}`);
      continue;
    }
    const at = rows * cols;
    for (let c = 0; c < width; c++) {
      const k = featureAt[c]!;
      if (k < 0 && c !== labelAt) continue; // a column not wanted: never read
      const cell = cells[c]!;
      const t = cell.trim();
      const v = NUMBER.test(t) ? Number(t) : NaN;
      if (c === labelAt) {
        if (kind === 'classes') {
          if (t === '') bad(c, 'empty; every label must name a class');
          texts[rows] = t;
          textLines[rows] = lines[c] ?? line;
        } else if (kind === 'values') {
          if (Number.isFinite(Math.fround(v))) y[rows] = v;
          else bad(c, `${t === '' ? 'empty' : `${describe(cell)} is not a number`}; targets must be finite numbers (within float32's range)`);
        } else if (v === 0 || v === 1) y[rows] = v === 1 ? 1 : 0;
        else bad(c, `${t === '' ? 'empty' : `${describe(cell)} is not a label`}; labels must be 0 or 1`);
      } else if (Number.isFinite(Math.fround(v))) {
        data[at + k] = v;
      } else {
        const why =
          t === ''
            ? 'empty; every feature must be a number'
            : Number.isFinite(v)
              ? `${describe(cell)} is outside the float32 range (±3.4e38)`
              : `${describe(cell)} is not a number`;
        bad(c, why);
      }
    }
    rows++;
  }
  let classes: ClassName[] | undefined;
  if (kind === 'classes' && !problems.length) {
    classes = given ? [...given] : classesOf(texts.slice(0, rows));
    const index = classIndices(texts.slice(0, rows), classes);
    index.forEach((k, r) => {
      const at = `line ${textLines[r]}, column ${labelAt + 1} (${names[labelAt]})`;
      if (k < 0)
        cellProblem(`${at}: ${describe(texts[r])} is not one of the classes ${JSON.stringify(classes)}`, textLines[r]!, hasHeader ? names[labelAt]! : labelAt);
      y[r] = k;
    });
  }
  if (problems.length) fail();
  if (rows === 0) throw new DataError(argument, `${source} has a header but no rows under it`);
  if (rows < capacity) {
    data = data.slice(0, rows * cols);
    if (labelAt >= 0) y = y.slice(0, rows);
  }
  const x = { data, rows, cols };
  const read = { x, features, header: hasHeader, ignored };
  return labelAt < 0 ? read : { ...read, y, label: names[labelAt]!, ...(classes ? { classes } : {}) };
}

/** How a table's columns are read, settled by its first record (what parseCsv and csvDataset share). */
export interface ColumnPlan {
  /** The columns' names: the header's, else `col1`, `col2`, … (or, without a header, `features`' names). */
  names: string[];
  /** The label column, or −1 for none. */
  labelAt: number;
  /** Where each column's value goes: its feature index, or −1 (the label, or a column not wanted). */
  featureAt: number[];
  /** Feature columns read. */
  cols: number;
  /** Their names, in the order read. */
  features: string[];
  /** Columns skipped because `features` does not name them (the label's not among them). */
  ignored: string[];
}

/**
 * The plan of a table whose first record is `cells` (its header when `hasHeader`): the label
 * column (options.label, or its default), and the feature columns — every other one, or those
 * `wanted` names, in that order. A problem is a GradwasmError whose argument is `argument`.
 */
export function planColumns(
  cells: readonly string[],
  hasHeader: boolean,
  label: string | number | null | undefined,
  wanted: readonly string[] | undefined,
  source: string,
  argument: string,
): ColumnPlan {
  const width = cells.length;
  const names = hasHeader ? cells.map((c) => c.trim()) : Array.from({ length: width }, (_, c) => `col${c + 1}`);
  const labelAt = wanted && hasHeader && label === undefined ? defaultLabelBeside(wanted, names) : labelColumn(label, names, hasHeader, source);
  if (wanted && !hasHeader) {
    const given = width - (labelAt < 0 ? 0 : 1);
    if (given !== wanted.length)
      throw new DataError(
        argument,
        `${source} has no header and ${given} feature columns, but options.features names ${wanted.length}; without a header columns are taken by position`,
      );
    let k = 0;
    for (let c = 0; c < width; c++) if (c !== labelAt) names[c] = wanted[k++]!;
  }
  // Where each column's value goes: its feature index, or −1 (the label, or a column not wanted).
  const featureAt = names.map((name, c) => (c === labelAt ? -1 : wanted ? wanted.indexOf(name) : c - (labelAt >= 0 && c > labelAt ? 1 : 0)));
  if (wanted) {
    const missing = wanted.filter((name) => !names.includes(name));
    if (missing.length) {
      const listed =
        missing
          .slice(0, 5)
          .map((n) => JSON.stringify(n))
          .join(', ') + (missing.length > 5 ? ` and ${missing.length - 5} more` : '');
      throw new DataError(
        argument,
        `${source} has no column ${listed} (${MISSING_WHY[missing.length === 1 ? 0 : 1]}); its header: ${names
          .slice(0, 12)
          .map((n) => JSON.stringify(n))
          .join(', ')}${names.length > 12 ? ', …' : ''}`,
      );
    }
    if (labelAt >= 0 && wanted.includes(names[labelAt]!))
      throw new OptionError('options.label', `options.label names ${JSON.stringify(names[labelAt])}, which options.features names as a feature`);
    for (const name of wanted) {
      const twice = names.indexOf(name, names.indexOf(name) + 1);
      if (twice >= 0)
        throw new DataError(
          argument,
          `${source} has two columns named ${JSON.stringify(name)} (${names.indexOf(name) + 1} and ${twice + 1}): which one is the feature?`,
        );
    }
  }
  const cols = wanted ? wanted.length : width - (labelAt < 0 ? 0 : 1);
  if (cols === 0) throw new DataError(argument, `${source} has only the label column (${names[labelAt]}); it needs at least one feature column`);
  const features = wanted ? [...wanted] : names.filter((_, c) => c !== labelAt);
  const ignored = names.filter((_, c) => c !== labelAt && featureAt[c]! < 0);
  return { names, labelAt, featureAt, cols, features, ignored };
}

/** `header: 'auto'`'s rule: a first row names the columns when any of its cells is not a number. */
function namesColumns(cells: readonly string[]): boolean {
  return cells.some((c) => c.trim() !== '' && !NUMBER.test(c.trim()));
}

/**
 * Whether CSV text (its start is enough) begins with a header row, as `parseCsv` decides with
 * `header: 'auto'`: its first non-empty row has a cell that is not a number.
 */
export function startsWithHeader(text: string, delimiter = 'auto'): boolean {
  const records = new Records(text, delimiter === 'auto' ? sniffDelimiter(text) : delimiter.charCodeAt(0));
  for (let row = records.next(); row; row = records.next()) if (!row.blank) return namesColumns(row.cells);
  return false;
}

/** With `features` and no `label` given: the column named `label` (any case), else the last one that is not a feature; −1 for none. */
function defaultLabelBeside(features: readonly string[], names: readonly string[]): number {
  const named = names.findIndex((n) => n.toLowerCase() === 'label' && !features.includes(n));
  if (named >= 0) return named;
  for (let c = names.length - 1; c >= 0; c--) if (!features.includes(names[c]!)) return c;
  return -1;
}

const DELIMITERS = [',', ';', '\t'];
/** Why a column named by options.features is wanted (callers that know better replace it). */
export const MISSING_WHY = ['a feature asked for', 'features asked for'] as const;

/**
 * The delimiter of CSV text by its first line: whichever of `,` `;` and tab it holds most often
 * outside quotes (ties go in that order), `,` when it holds none.
 */
export function sniffDelimiter(text: string): number {
  const counts = [0, 0, 0];
  let quoted = false;
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted) {
      const d = DELIMITERS.indexOf(c);
      if (d >= 0) counts[d]!++;
    }
  }
  const most = counts.indexOf(Math.max(...counts));
  return DELIMITERS[counts[most]! > 0 ? most : 0]!.charCodeAt(0);
}

export function checkOptions(options: unknown): {
  label: string | number | null | undefined;
  header: boolean | 'auto';
  delimiter: number | 'auto';
  source: string;
  features: readonly string[] | undefined;
  labels: 'binary' | 'classes' | 'values';
  classes: ClassName[] | undefined;
} {
  const o = checkObject('options', options);
  checkKeys('options', o, ['label', 'header', 'delimiter', 'source', 'features', 'labels', 'classes']);
  const { label, header = 'auto', delimiter = ',', source = 'text', features, classes } = o;
  const labels = o.labels ?? (classes === undefined ? 'binary' : 'classes');
  if (labels !== 'binary' && labels !== 'classes' && labels !== 'values')
    throw new OptionError('options.labels', `options.labels must be 'binary', 'classes' or 'values', got ${describe(labels)}`);
  if (classes !== undefined && labels !== 'classes') throw new OptionError('options.classes', "options.classes goes with options.labels 'classes'");
  if (label !== undefined && label !== null && typeof label !== 'string' && !Number.isInteger(label)) {
    throw new OptionError('options.label', `options.label must be a column name, an integer index or null, got ${describe(label)}`);
  }
  if (header !== true && header !== false && header !== 'auto') {
    throw new OptionError('options.header', `options.header must be true, false or 'auto', got ${describe(header)}`);
  }
  if (delimiter !== 'auto' && (typeof delimiter !== 'string' || delimiter.length !== 1 || '"\r\n'.includes(delimiter))) {
    throw new OptionError(
      'options.delimiter',
      `options.delimiter must be 'auto' or one character other than a quote or a line break, got ${describe(delimiter)}`,
    );
  }
  if (typeof source !== 'string') throw new OptionError('options.source', `options.source must be a string, got ${describe(source)}`);
  if (features !== undefined) {
    if (!Array.isArray(features) || features.length === 0)
      throw new OptionError('options.features', `options.features must be a non-empty array of column names, got ${describe(features)}`);
    features.forEach((name: unknown, i) => {
      if (typeof name !== 'string' || name.trim() !== name || name === '')
        throw new OptionError(
          `options.features[${i}]`,
          `options.features[${i}] must be a column name (a non-empty string without surrounding spaces), got ${describe(name)}`,
        );
      if (features.indexOf(name) !== i)
        throw new OptionError(`options.features[${i}]`, `options.features names ${JSON.stringify(name)} twice (${features.indexOf(name)} and ${i})`);
    });
  }
  return {
    label: label as string | number | null | undefined,
    header,
    delimiter: delimiter === 'auto' ? 'auto' : delimiter.charCodeAt(0),
    source,
    features: features as readonly string[] | undefined,
    labels,
    classes: classes === undefined ? undefined : checkClassList(classes, 'options.classes'),
  };
}

/** The 0-based label column, or −1 for none. */
export function labelColumn(label: string | number | null | undefined, names: readonly string[], hasHeader: boolean, source: string): number {
  const width = names.length;
  if (label === null) return -1;
  if (label === undefined) {
    const named = hasHeader ? names.findIndex((n) => n.toLowerCase() === 'label') : -1;
    return named >= 0 ? named : width - 1;
  }
  if (typeof label === 'number') {
    if (label < -width || label >= width) {
      throw new OptionError(
        'options.label',
        `options.label ${label} is not a column index: the table has ${width} columns (0 to ${width - 1}, or −1 to −${width} from the end)`,
      );
    }
    return label < 0 ? width + label : label;
  }
  if (!hasHeader)
    throw new OptionError('options.label', `options.label ${describe(label)} names a column, but ${source} has no header row; give the label column's index`);
  const at = names.indexOf(label);
  if (at < 0)
    throw new OptionError('options.label', `options.label ${describe(label)} is not a column of the header: ${names.map((n) => JSON.stringify(n)).join(', ')}`);
  if (names.indexOf(label, at + 1) >= 0)
    throw new OptionError('options.label', `options.label ${describe(label)} names more than one column (${at + 1} and ${names.indexOf(label, at + 1) + 1})`);
  return at;
}

/** One record: its cells, the line it starts on, the line each cell starts on, and whether it is an empty line. */
interface Row {
  cells: string[];
  line: number;
  lines: number[];
  blank: boolean;
}

const QUOTE = 34,
  CR = 13,
  LF = 10;

/** The records of CSV text, one at a time. A malformed quote ends the records and sets `error`. */
class Records {
  private i: number;
  private line = 1;
  error: string | null = null;

  constructor(
    private readonly text: string,
    private readonly delimiter: number,
  ) {
    this.i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a UTF-8 byte order mark
  }

  next(): Row | null {
    const { text, delimiter } = this;
    if (this.i >= text.length || this.error) return null;
    const row: Row = { cells: [], line: this.line, lines: [], blank: false };
    let quoted = false;
    for (;;) {
      row.lines.push(this.line);
      let cell: string;
      let q = this.i; // spaces before an opening quote are skipped
      for (let c = text.charCodeAt(q); (c === 32 || c === 9) && c !== delimiter; c = text.charCodeAt(++q));
      if (text.charCodeAt(q) === QUOTE) {
        this.i = q;
        quoted = true;
        const opened = this.line,
          column = row.cells.length + 1;
        cell = '';
        let from = this.i + 1;
        for (;;) {
          const close = text.indexOf('"', from);
          if (close < 0) {
            this.error = `line ${opened}, column ${column}: a quoted cell starts here and is never closed`;
            return null;
          }
          cell += text.slice(from, close);
          for (let j = from; j < close; j++) {
            const c = text.charCodeAt(j);
            if (c === LF || (c === CR && text.charCodeAt(j + 1) !== LF)) this.line++;
          }
          if (text.charCodeAt(close + 1) === QUOTE) {
            cell += '"';
            from = close + 2;
          } else {
            this.i = close + 1;
            break;
          }
        }
        for (let c = text.charCodeAt(this.i); (c === 32 || c === 9) && c !== delimiter; c = text.charCodeAt(++this.i)); // spaces after the closing quote
        const after = text.charCodeAt(this.i);
        if (this.i < text.length && after !== delimiter && after !== CR && after !== LF) {
          this.error = `line ${this.line}, column ${column}: ${describe(text.slice(this.i, this.i + 10))} follows the closing quote of a quoted cell; a quote inside a quoted cell is written ""`;
          return null;
        }
      } else {
        const start = this.i;
        let j = start;
        for (let c = text.charCodeAt(j); j < text.length && c !== delimiter && c !== CR && c !== LF; c = text.charCodeAt(++j));
        cell = text.slice(start, j);
        this.i = j;
      }
      row.cells.push(cell);
      const c = text.charCodeAt(this.i);
      if (c === delimiter) {
        this.i++;
        continue;
      }
      if (c === CR) this.i += text.charCodeAt(this.i + 1) === LF ? 2 : 1;
      else if (c === LF) this.i++;
      if (c === CR || c === LF) this.line++;
      break;
    }
    row.blank = !quoted && row.cells.length === 1 && row.cells[0]!.trim() === '';
    return row;
  }
}
