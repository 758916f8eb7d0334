// parseCsv: RFC 4180 quoting, line endings, BOM, header detection, the label column, and every
// kind of bad cell reported by line and column — then random tables written as CSV in random
// ways (quoting, CRLF, BOM, number formats) must read back exactly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCsv, type CsvOptions } from '../src/index.js';
import { Xoshiro128 } from '../src/core/prng.js';
import { expectError } from './support/errors.js';

const rows = (data: Float32Array, cols: number): number[][] =>
  Array.from({ length: data.length / cols }, (_, r) => [...data.subarray(r * cols, (r + 1) * cols)]);

describe('parseCsv', () => {
  it('reads a header, features and the label column', () => {
    const t = parseCsv('a,b,label\n1,2.5,0\n-3,4e2,1\n');
    expect(t.features).toEqual(['a', 'b']);
    expect(t.label).toBe('label');
    expect(t.x.rows).toBe(2);
    expect(t.x.cols).toBe(2);
    expect(t.x.data).toEqual(Float32Array.of(1, 2.5, -3, 400));
    expect(t.y).toEqual(Float32Array.of(0, 1));
  });

  it('picks the label column: named "label" in any case, else the last; or by name or index; or none', () => {
    const text = 'f1,Label,f2,target\n1,0,2,1\n3,1,4,0\n';
    const named = parseCsv(text);
    expect(named.label).toBe('Label');
    expect(named.features).toEqual(['f1', 'f2', 'target']);
    expect(rows(named.x.data, 3)).toEqual([
      [1, 2, 1],
      [3, 4, 0],
    ]);
    expect([...named.y]).toEqual([0, 1]);
    const byName = parseCsv(text, { label: 'target' });
    expect(byName.features).toEqual(['f1', 'Label', 'f2']);
    expect([...byName.y]).toEqual([1, 0]);
    expect(parseCsv(text, { label: 3 }).label).toBe('target');
    expect(parseCsv(text, { label: -1 }).label).toBe('target');
    expect(parseCsv(text, { label: -3 }).label).toBe('Label');
    expect(parseCsv(text, { label: 1 }).label).toBe('Label');
    const none = parseCsv(text, { label: null });
    expect(none).not.toHaveProperty('y');
    expect(none.features).toEqual(['f1', 'Label', 'f2', 'target']);
    expect(none.x.cols).toBe(4);
    // no "label" column: the last
    expect(parseCsv('x,y,z\n1,2,1\n').label).toBe('z');
  });

  it('detects the header: a first row with a non-numeric cell; header true/false forces it', () => {
    const t = parseCsv('1,2,0\n3,4,1\n');
    expect(t.features).toEqual(['col1', 'col2']);
    expect(t.label).toBe('col3');
    expect(t.x.rows).toBe(2);
    expect(parseCsv(' 1 , +2. , .5e1,0\n', {}).x.data).toEqual(Float32Array.of(1, 2, 5));
    const forced = parseCsv('1,2,0\n3,4,1\n', { header: true });
    expect(forced.features).toEqual(['1', '2']);
    expect(forced.x.rows).toBe(1);
    expectError(
      () => parseCsv('a,b\n1,0\n', { header: false }),
      'text',
      /^text has 2 problems:\n {2}line 1, column 1 \(col1\): "a" is not a number\n {2}line 1, column 2 \(col2\): "b" is not a label; labels must be 0 or 1$/,
    );
    // a numeric first row with an empty cell is data (and that cell is reported), not a header
    expectError(() => parseCsv('1,,0\n3,4,1\n'), 'text', /^text: line 1, column 2 \(col2\): empty; every feature must be a number$/);
  });

  it('handles RFC 4180 quoting: delimiters, doubled quotes and line breaks inside quotes', () => {
    const text = '"a, first","say ""hi""","multi\nline\r\nname",label\n"1","2",  "3"  ,"1"\n4,5,6,0\n';
    const t = parseCsv(text);
    expect(t.features).toEqual(['a, first', 'say "hi"', 'multi\nline\r\nname']);
    expect(rows(t.x.data, 3)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect([...t.y]).toEqual([1, 0]);
    // line numbers count the line breaks inside quoted cells
    expectError(() => parseCsv('"a\n\nb",label\n1,0\nx,1\n'), 'text', /^text: line 5, column 1 \(a\n\nb\): "x" is not a number$/);
    expectError(() => parseCsv('a,label\n"1\r\n2",0\n'), 'text', /^text: line 2, column 1 \(a\): "1\\r\\n2" is not a number$/);
  });

  it('reads LF, CRLF and CR line endings, a UTF-8 BOM, and ignores empty lines at the end', () => {
    const expected = parseCsv('a,b\n1,0\n2,1');
    for (const text of [
      'a,b\r\n1,0\r\n2,1\r\n',
      '\uFEFFa,b\n1,0\n2,1\n',
      'a,b\r1,0\r2,1\r',
      'a,b\n1,0\n2,1\n\n\n',
      'a,b\r\n1,0\r\n2,1\r\n\r\n  \r\n\t\n',
      '\uFEFF"a","b"\r\n1,0\r\n2,1',
    ]) {
      const t = parseCsv(text);
      expect(t).toEqual(expected);
    }
    expect(parseCsv('\uFEFF1,0\n').features).toEqual(['col1']); // the BOM is not part of the first cell
  });

  it('takes another delimiter', () => {
    expect(parseCsv('a;b;label\n1.5;2;1\n', { delimiter: ';' }).x.data).toEqual(Float32Array.of(1.5, 2));
    expectError(() => parseCsv('a;b;label\n1,5;2;1\n', { delimiter: ';' }), 'text', /^text: line 2, column 1 \(a\): "1,5" is not a number$/);
    const tabs = parseCsv('a\tb\tlabel\n"1"\t 2\t1\n', { delimiter: '\t' });
    expect(tabs.x.data).toEqual(Float32Array.of(1, 2));
  });

  it.each<[string, string, CsvOptions, RegExp]>([
    ['a word', 'a,label\n1,0\nabc,1\n', {}, /^text: line 3, column 1 \(a\): "abc" is not a number$/],
    ['an empty cell', 'a,b,label\n1,2,0\n3,,1\n', {}, /^text: line 3, column 2 \(b\): empty; every feature must be a number$/],
    ['a cell of spaces', 'a,b,label\n1,   ,0\n', {}, /^text: line 2, column 2 \(b\): empty; every feature must be a number$/],
    ['NaN', 'a,label\nNaN,0\n', {}, /^text: line 2, column 1 \(a\): "NaN" is not a number$/],
    ['Infinity', 'a,label\n-Infinity,0\n', {}, /^text: line 2, column 1 \(a\): "-Infinity" is not a number$/],
    ['hexadecimal', 'a,label\n0x10,0\n', {}, /^text: line 2, column 1 \(a\): "0x10" is not a number$/],
    ['a number with a unit', 'a,label\n12kg,0\n', {}, /^text: line 2, column 1 \(a\): "12kg" is not a number$/],
    ['a decimal comma', 'a;label\n1,5;0\n', { delimiter: ';' }, /^text: line 2, column 1 \(a\): "1,5" is not a number$/],
    ['1e39', 'a,label\n1e39,0\n', {}, /^text: line 2, column 1 \(a\): "1e39" is outside the float32 range \(±3\.4e38\)$/],
    ['a label of 2', 'a,label\n1,0\n2,2\n', {}, /^text: line 3, column 2 \(label\): "2" is not a label; labels must be 0 or 1$/],
    ['a label of 0.5', 'a,label\n1,0.5\n', {}, /^text: line 2, column 2 \(label\): "0\.5" is not a label; labels must be 0 or 1$/],
    ['a label "yes"', 'a,label\n1,yes\n', {}, /^text: line 2, column 2 \(label\): "yes" is not a label/],
    ['an empty label', 'a,label\n1,\n', {}, /^text: line 2, column 2 \(label\): empty; labels must be 0 or 1$/],
    ['a short row', 'a,b,label\n1,2,0\n3,1\n', {}, /^text: line 3, column 3 \(label\): missing; the row has 2 cells, the header has 3$/],
    ['a long row', 'a,b,label\n1,2,0,7\n', {}, /^text: line 2, column 4: "7" is one cell too many; the row has 4 cells, the header has 3$/],
    ['a long row without header', '1,2,0\n1,2,0,7\n', {}, /^text: line 2, column 4: "7" is one cell too many; the row has 4 cells, line 1 has 3$/],
    ['an empty line inside', 'a,label\n1,0\n\n2,1\n', {}, /^text: line 3: an empty line inside the table$/],
    ['an empty line at the start', '\na,label\n1,0\n', {}, /^text: line 1: an empty line inside the table$/],
    ['an unclosed quote', 'a,label\n1,0\n2,"1\n3,0\n', {}, /^text: line 3, column 2: a quoted cell starts here and is never closed$/],
    [
      'text after a closing quote',
      'a,label\n"1"2,0\n',
      {},
      /^text: line 2, column 1: "2,0\\n" follows the closing quote of a quoted cell; a quote inside a quoted cell is written ""$/,
    ],
    ['a long bad cell (truncated in the message)', `a,label\n${'x'.repeat(100)},0\n`, {}, /^text: line 2, column 1 \(a\): "x{40}…" is not a number$/],
  ])('reports %s with its line, column and text', (_name, text, options, message) => {
    expectError(() => parseCsv(text, options), 'text', message);
  });

  it('names the text as options.source says', () => {
    expectError(() => parseCsv('a,label\n1,0\nz,1\n', { source: 'upload.csv' }), 'text', /^upload\.csv: line 3, column 1 \(a\): "z" is not a number$/);
    expectError(() => parseCsv('', { source: 'upload.csv' }), 'text', /^upload\.csv holds no rows$/);
    expectError(() => parseCsv('1,0\n', { source: 'upload.csv', label: 'a' }), 'options.label', /but upload\.csv has no header row/);
  });

  it('lists several problems one per line, the first ten, and counts the rest', () => {
    const lines = ['a,b,label', ...Array.from({ length: 14 }, (_, i) => `${i},x${i},${i % 2}`)];
    const error = expectError(() => parseCsv(lines.join('\n')), 'text', /^text has 14 problems:\n/);
    const listed = error.message.split('\n').slice(1);
    expect(listed).toHaveLength(11);
    expect(listed[0]).toBe('  line 2, column 2 (b): "x0" is not a number');
    expect(listed[9]).toBe('  line 11, column 2 (b): "x9" is not a number');
    expect(listed[10]).toBe('  … and 4 more');
  });

  it.each<[string, string, unknown, string, RegExp]>([
    ['no text', '', {}, 'text', /^text holds no rows$/],
    ['only empty lines', '\n\r\n\n', {}, 'text', /^text holds no rows$/],
    ['a header and no rows', 'a,b,label\n', {}, 'text', /^text has a header but no rows under it$/],
    ['only the label column', 'label\n1\n', {}, 'text', /^text has only the label column \(label\); it needs at least one feature column$/],
    ['a label name not in the header', 'a,b\n1,0\n', { label: 'c' }, 'options.label', /^options\.label "c" is not a column of the header: "a", "b"$/],
    [
      'a label name without a header',
      '1,0\n',
      { label: 'a' },
      'options.label',
      /^options\.label "a" names a column, but text has no header row; give the label column's index$/,
    ],
    ['a label name used twice', 'a,a,b\n1,0,1\n', { label: 'a' }, 'options.label', /^options\.label "a" names more than one column \(1 and 2\)$/],
    ['a label index too large', 'a,b\n1,0\n', { label: 2 }, 'options.label', /^options\.label 2 is not a column index: the table has 2 columns/],
    ['a label index too small', 'a,b\n1,0\n', { label: -3 }, 'options.label', /^options\.label -3 is not a column index/],
    ['a label index 1.5', 'a,b\n1,0\n', { label: 1.5 }, 'options.label', /^options\.label must be a column name, an integer index or null, got 1\.5$/],
    ['header "yes"', 'a,b\n1,0\n', { header: 'yes' }, 'options.header', /^options\.header must be true, false or 'auto', got "yes"$/],
    [
      'a two-character delimiter',
      'a,b\n1,0\n',
      { delimiter: ';;' },
      'options.delimiter',
      /^options\.delimiter must be 'auto' or one character other than a quote or a line break, got ";;"$/,
    ],
    ['a quote as delimiter', 'a,b\n1,0\n', { delimiter: '"' }, 'options.delimiter', /^options\.delimiter must be 'auto' or one character/],
    ['a newline as delimiter', 'a,b\n1,0\n', { delimiter: '\n' }, 'options.delimiter', /^options\.delimiter must be 'auto' or one character/],
    [
      'an unknown option',
      'a,b\n1,0\n',
      { lable: 'b' },
      'options.lable',
      /^options has an unknown option "lable"; known: label, header, delimiter, source, features, labels, classes$/,
    ],
    ['options null', 'a,b\n1,0\n', null, 'options', /^options must be an object, got null$/],
    ['a source that is not a string', 'a,b\n1,0\n', { source: 3 }, 'options.source', /^options\.source must be a string, got 3$/],
    ['text not a string', 42 as never, {}, 'text', /^text must be a string of CSV, got 42$/],
  ])('rejects %s', (_name, text, options, argument, message) => {
    expectError(() => parseCsv(text, options as CsvOptions), argument, message);
  });

  it('reads the bundled breast-cancer table as a naive split does', () => {
    const text = readFileSync(new URL('../data/breast_cancer.csv', import.meta.url), 'utf8');
    const t = parseCsv(text);
    const [header, ...lines] = text.trim().split(/\r?\n/);
    const table = lines.map((l) => l.split(',').map(Number));
    expect(t.features).toEqual(header!.split(',').slice(0, -1));
    expect(t.x.rows).toBe(569);
    expect(t.x.cols).toBe(30);
    expect(t.x.data).toEqual(Float32Array.from(table.flatMap((r) => r.slice(0, -1))));
    expect(t.y).toEqual(Float32Array.from(table.map((r) => r.at(-1)!)));
  });

  it('reads a 100,000-row × 30-column table', () => {
    const random = new Xoshiro128(5);
    const lines = ['label,' + Array.from({ length: 30 }, (_, c) => `f${c}`).join(',')];
    for (let r = 0; r < 100_000; r++) {
      const cells = [String(r & 1)];
      for (let c = 0; c < 30; c++) cells.push(Math.fround(random.nextUnit() * 200 - 100).toPrecision(7));
      lines.push(cells.join(','));
    }
    const text = lines.join('\n');
    const t = parseCsv(text);
    expect(t.x.rows).toBe(100_000);
    expect(t.x.data).toHaveLength(3_000_000);
    expect(t.label).toBe('label');
    expect(t.y[99_999]).toBe(1);
  });
});

describe('parseCsv reads back random tables written as CSV in random ways', () => {
  /** Write `value` as one of the many ways a CSV writer might. */
  function formatNumber(random: () => number, value: number, integer: boolean): string {
    const pick = random();
    if (integer && pick < 0.3) return value.toFixed(0);
    if (pick < 0.45) return String(value);
    if (pick < 0.6) return value.toExponential();
    if (pick < 0.7) return value.toExponential().toUpperCase();
    if (pick < 0.8) return (value >= 0 ? '+' : '') + String(value);
    if (pick < 0.9) return ` ${String(value)}  `;
    return value.toPrecision(17);
  }

  /** A name that needs quoting now and then: commas, quotes, line breaks, spaces, unicode. */
  function name(random: () => number, c: number): string {
    const pieces = ['radius', 'mean texture', 'a,b', 'say "x"', 'two\nlines', 'crlf\r\nname', 'ünïcödé', 'δ', `c${c}`];
    return pieces[Math.floor(random() * pieces.length)]! + c;
  }

  function quote(random: () => number, cell: string, delimiter: string, always: number): string {
    const must = cell.includes(delimiter) || cell.includes('"') || cell.includes('\n') || cell.includes('\r') || cell.trim() !== cell;
    return must || random() < always ? `"${cell.replaceAll('"', '""')}"` : cell;
  }

  it('500 tables: shapes, quoting, CRLF/LF/CR, BOM, delimiters, trailing empty lines, label anywhere', () => {
    const rng = new Xoshiro128(20261127);
    const random = (): number => rng.nextUnit();
    for (let trial = 0; trial < 500; trial++) {
      const rowCount = 1 + Math.floor(random() * 25);
      const cols = 1 + Math.floor(random() * 6);
      const width = cols + 1;
      const labelAt = Math.floor(random() * width);
      const delimiter = [',', ';', '\t', '|'][Math.floor(random() * 4)]!;
      const newline = ['\n', '\r\n', '\r'][Math.floor(random() * 3)]!;
      const withHeader = random() < 0.7;
      const always = random() * 0.5; // how often a cell is quoted without need

      const names = Array.from({ length: width }, (_, c) => name(random, c));
      const values: number[][] = [];
      const labels: number[] = [];
      for (let r = 0; r < rowCount; r++) {
        const row: number[] = [];
        for (let c = 0; c < cols; c++) {
          const kind = random();
          const v = kind < 0.2 ? Math.round(random() * 2000 - 1000) : kind < 0.25 ? 0 : Math.fround((random() - 0.5) * 10 ** Math.floor(random() * 20 - 10));
          row.push(v + 0); // no −0: written as "0" it reads back as +0
        }
        values.push(row);
        labels.push(random() < 0.5 ? 0 : 1);
      }
      const lines: string[] = [];
      if (withHeader) lines.push(names.map((n) => quote(random, n, delimiter, always)).join(delimiter));
      for (let r = 0; r < rowCount; r++) {
        const cells = values[r]!.map((v) => formatNumber(random, v, Number.isInteger(v)));
        cells.splice(labelAt, 0, random() < 0.8 ? String(labels[r]) : `${labels[r]}.0`);
        lines.push(cells.map((cell) => quote(random, cell, delimiter, always)).join(delimiter));
      }
      let text = (random() < 0.3 ? '\uFEFF' : '') + lines.join(newline);
      const ending = random();
      if (ending < 0.5) text += newline;
      else if (ending < 0.7) text += newline.repeat(1 + Math.floor(random() * 3));

      const options: CsvOptions = { delimiter, header: withHeader, label: withHeader && random() < 0.5 ? names[labelAt]! : labelAt };
      let table;
      try {
        table = parseCsv(text, options);
      } catch (error) {
        throw new Error(`trial ${trial}: ${(error as Error).message}\n${JSON.stringify(text)}`);
      }
      const what = `trial ${trial}: ${JSON.stringify(text).slice(0, 300)}`;
      expect(table.x.rows, what).toBe(rowCount);
      expect(table.x.cols, what).toBe(cols);
      expect(table.x.data, what).toEqual(Float32Array.from(values.flat()));
      expect(table.y, what).toEqual(Float32Array.from(labels));
      if (withHeader) {
        expect(table.label, what).toBe(names[labelAt]);
        expect(table.features, what).toEqual(names.filter((_, c) => c !== labelAt));
      }
      // and 'auto' finds the header whenever one of its names is not a number (always, here)
      if (withHeader) expect(parseCsv(text, { ...options, header: 'auto' }).x.data, what).toEqual(table.x.data);
    }
  });
});
