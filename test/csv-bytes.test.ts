// The streaming CSV parser (src/data/csv-bytes.ts) against parseCsv: the same values to the bit for
// every cell parseCsv accepts — millions of random ones: long mantissas, far exponents,
// subnormals, -0, a leading +, spaces and tabs — however the bytes are cut into pieces, and the
// same messages for the files parseCsv refuses.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv, type CsvOptions } from '../src/index.js';
import { CsvByteParser, fastNumber, float32Of } from '../src/data/csv-bytes.js';
import { csvDataset, readCsv } from '../src/node/index.js';
import { Xoshiro128 } from '../src/core/prng.js';
import { concatFloats } from '../src/data/dataset.js';

const encoder = new TextEncoder();
const dir = mkdtempSync(join(tmpdir(), 'gradwasm-csv-'));

/** Parse bytes with the streaming parser, fed in pieces whose sizes `cut` picks. */
function parseBytes(text: string, options: CsvOptions, cut: (i: number) => number) {
  const bytes = encoder.encode(text);
  const parser = new CsvByteParser({
    label: options.label,
    header: options.header ?? 'auto',
    delimiter: options.delimiter ?? ',',
    source: options.source ?? 'text',
  });
  const xs: Float32Array[] = [],
    ys: Float32Array[] = [];
  let carry = new Uint8Array(0),
    at = 0,
    piece = 0;
  for (;;) {
    const size = at === bytes.length ? 0 : Math.max(1, cut(piece++));
    const next = bytes.subarray(at, Math.min(bytes.length, at + size));
    at += next.length;
    const buffer = new Uint8Array(carry.length + next.length);
    buffer.set(carry);
    buffer.set(next, carry.length);
    const final = next.length === 0;
    const consumed = parser.parse(buffer, 0, final);
    const rows = parser.take();
    xs.push(rows.x.slice());
    ys.push(rows.y.slice());
    carry = buffer.slice(consumed);
    if (final) break;
  }
  parser.finish();
  return { x: concatFloats(xs), y: concatFloats(ys), cols: parser.cols, names: parser.names };
}

/** A random cell that parseCsv reads as a finite float32, in the shapes people (and programs) write. */
function randomCell(rng: Xoshiro128): string {
  const pick = <T>(xs: readonly T[]): T => xs[rng.nextBelow(xs.length)]!;
  const digits = (n: number) => Array.from({ length: n }, () => String(rng.nextBelow(10))).join('');
  for (;;) {
    const kind = rng.nextBelow(12);
    let cell: string;
    if (kind === 0) cell = pick(['0', '-0', '+0', '0.0', '-0.0', '.0', '0.', '-0e5', '0E-7', '1', '-1', '1.', '.5', '+.5', '-.25e1']);
    else if (kind === 1)
      cell = `${pick(['', '-', '+'])}${digits(1 + rng.nextBelow(30))}.${digits(rng.nextBelow(30))}`; // long mantissas
    else if (kind === 2) cell = `${pick(['', '-'])}${digits(1 + rng.nextBelow(3))}.${digits(rng.nextBelow(8))}e${pick(['', '-', '+'])}${rng.nextBelow(60)}`;
    else if (kind === 3)
      cell = `${pick(['', '-'])}${1 + rng.nextBelow(9)}.${digits(rng.nextBelow(12))}e-${36 + rng.nextBelow(14)}`; // float32 subnormals and below
    else if (kind === 4)
      cell = `${pick(['', '-'])}3.40282${digits(rng.nextBelow(6))}e38`; // the top of float32
    else if (kind === 5) cell = `${pick(['', '-'])}${digits(1 + rng.nextBelow(6))}`;
    else if (kind === 6) cell = String((rng.nextUnit() - 0.5) * 10 ** (rng.nextBelow(20) - 10));
    else if (kind === 7) cell = `${pick(['', '-'])}0.${'0'.repeat(rng.nextBelow(20))}${digits(1 + rng.nextBelow(17))}`;
    else if (kind === 8) cell = `${pick(['', '-'])}${digits(1 + rng.nextBelow(17))}${'0'.repeat(rng.nextBelow(10))}e${pick(['', '-'])}${rng.nextBelow(25)}`;
    else if (kind === 10)
      cell = nearMidpoint(rng); // where rounding to float32 is hardest
    else if (kind === 11)
      cell = ((rng.nextUnit() - 0.5) * 10 ** (rng.nextBelow(16) - 8)).toExponential(18); // NumPy's savetxt, %.18e
    else cell = Math.fround((rng.nextUnit() - 0.5) * 2 ** (rng.nextBelow(200) - 100)).toString();
    const spaced = pick(['', '', '', ' ', '\t', '  ']) + cell + pick(['', '', '', ' ', '\t ']);
    const t = spaced.trim();
    if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(t) && Number.isFinite(Math.fround(Number(t)))) return spaced;
  }
}

/** A decimal at or within a hair of the midpoint between two neighbouring float32 values. */
function nearMidpoint(rng: Xoshiro128): string {
  const f32 = new Float32Array(1),
    u32 = new Uint32Array(f32.buffer);
  u32[0] = (1 + rng.nextBelow(0xfd)) * 2 ** 23 + rng.nextBelow(2 ** 23); // a normal float32
  const f = f32[0]!;
  u32[0]++;
  const mid = (f + f32[0]!) / 2; // exact in float64
  const nudge = [0, 0, 1, -1][rng.nextBelow(4)]! * mid * 2 ** -(40 + rng.nextBelow(20));
  return `${rng.nextBelow(2) ? '-' : ''}${(mid + nudge).toPrecision(16 + rng.nextBelow(10))}`;
}

describe('the byte parser reads every cell as parseCsv does', () => {
  it('fastNumber is Number() wherever it answers (2 million random cells), and the fast path answers for most', () => {
    const rng = new Xoshiro128(1);
    let answered = 0;
    for (let i = 0; i < 2_000_000; i++) {
      const cell = randomCell(rng);
      const b = encoder.encode(cell);
      const v = fastNumber(b, 0, b.length);
      if (v === v) {
        answered++;
        if (!Object.is(v, Number(cell.trim()))) expect.fail(`${JSON.stringify(cell)}: fast path ${v}, Number ${Number(cell.trim())}`);
      }
    }
    expect(answered).toBeGreaterThan(650_000);
  }, 60_000);

  it('float32Of answers only where every value within 2^−44 of its argument rounds to the same float32, and almost everywhere', () => {
    const rng = new Xoshiro128(3);
    let answered = 0;
    const n = 1_000_000;
    for (let i = 0; i < n; i++) {
      const a = (rng.nextBelow(2) ? -1 : 1) * (1 + rng.nextUnit()) * 2 ** (rng.nextBelow(260) - 130);
      const f = float32Of(a);
      if (f !== f) continue;
      answered++;
      // rounding is monotonic: the ends of the interval settle all of it
      for (const end of [a * (1 + 2 ** -44), a * (1 - 2 ** -44)])
        if (Math.fround(end) !== f) expect.fail(`${a}: float32Of ${f}, but ${end} rounds to ${Math.fround(end)}`);
    }
    // all but the subnormal and huge (10 of 260 binades) and one in ~2^20 near a midpoint
    expect(answered / n).toBeGreaterThan((250 / 260) * 0.999);
  });

  it('a million random cells, cut into random pieces: the float32 bits and labels of parseCsv', () => {
    const rng = new Xoshiro128(2);
    const cols = 7,
      rows = 150_000;
    const lines = ['a,b,c,d,e,f,g,label'];
    for (let r = 0; r < rows; r++) {
      const cells = Array.from({ length: cols }, () => randomCell(rng));
      lines.push([...cells, pick01(rng)].join(','));
    }
    for (const [ending, count, cut] of [
      ['\n', rows, () => 4096 + rng.nextBelow(4096)],
      ['\r\n', rows, () => 1 << 30],
      ['\r\n', 5000, () => 1 + rng.nextBelow(64)],
    ] as const) {
      const text = lines.slice(0, count + 1).join(ending) + ending;
      const expected = parseCsv(text);
      const got = parseBytes(text, {}, cut);
      expect(got.cols).toBe(cols);
      // (compared word by word: a diff of a million values would not fit the test's memory)
      const a = new Uint32Array(got.x.buffer),
        b = new Uint32Array(expected.x.data.buffer);
      expect(a.length).toBe(b.length);
      const first = a.findIndex((v, i) => v !== b[i]);
      expect(first, first < 0 ? '' : `row ${Math.floor(first / cols)}: ${got.x[first]} ≠ ${expected.x.data[first]}`).toBe(-1);
      expect(got.y.every((v, i) => v === expected.y[i])).toBe(true);
    }
  }, 120_000);

  it.each<[string, string, CsvOptions]>([
    ['quoted cells, CRLF, a BOM, spaces', '\ufeff"a","b , c",label\r\n "1.5" ,"2",1\r\n"-0",  3e2 ,0\r\n', {}],
    ['no header, label by index, semicolons, CR line ends', '0;2;5\r1;4;7\r0;6;9', { label: 0, delimiter: ';' }],
    ['a quoted line break and a doubled quote in the header', '"x\ny","z""",label\n1,2,1\n', {}],
    ['empty lines at the end', 'a,label\n1,0\n2,1\n\n\n  \n', {}],
    ['labels written 1.0, +1, -0, 0e3', 'a,label\n1,1.0\n2,+1\n3,-0\n4,0e3\n', {}],
    ['non-ASCII spaces around numbers', 'a,label\n\u00a01.25\u2003,1\n\u30002,0\n', {}],
    ['a named label column in the middle', 'f1,Label,f2\n1,0,2\n3,1,4\n', {}],
  ])('%s', (_name, text, options) => {
    const expected = parseCsv(text, options);
    for (const size of [1, 2, 3, 5, 1 << 20]) {
      const got = parseBytes(text, options, () => size);
      expect(Array.from(got.x)).toEqual(Array.from(expected.x.data));
      expect(Array.from(got.y)).toEqual(Array.from(expected.y));
      expect(got.names.filter((_, c) => c !== (got.names.length - 1 === expected.features.length ? -1 : -2))).toBeDefined();
    }
  });

  it.each<[string, string]>([
    ['a non-numeric cell', 'a,b,label\n1,2,0\n3,abc,1\n'],
    ['a ragged row', 'a,b,label\n1,2,0\n3,1\n'],
    ['a row too long', 'a,b,label\n1,2,0\n3,1,1,9\n'],
    ['a label of 2', 'a,b,label\n1,2,0\n3,4,2\n'],
    ['a number past float32', 'a,b,label\n1,1e39,0\n3,4,1\n'],
    ['an empty cell', 'a,b,label\n1,,0\n'],
    ['an empty line inside', 'a,label\n1,0\n\n2,1\n'],
    ['an unclosed quote', 'a,label\n"1,0\n2,1\n'],
    ['text after a closing quote', 'a,label\n"1"x,0\n'],
    ['header only', 'a,b,label\n'],
    ['many problems', 'a,label\n' + Array.from({ length: 15 }, (_, i) => `x${i},0`).join('\n') + '\n'],
  ])('%s: the message readCsv gives', async (name, text) => {
    const path = join(dir, `${name.replace(/\W/g, '_')}.csv`);
    writeFileSync(path, text);
    const expected = await readCsv(path).then(
      () => null,
      (e: Error) => e.message,
    );
    const got = await (async () => {
      for await (const _ of csvDataset(path));
    })().then(
      () => null,
      (e: Error) => e.message,
    );
    expect(expected).not.toBeNull();
    expect(got).toBe(expected);
  });
});

function pick01(rng: Xoshiro128): string {
  return String(rng.nextBelow(2));
}
