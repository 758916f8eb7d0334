// Threads under real conditions (issue 18; docs/architecture.md §6): W2 with 2 threads against 1,
// alone and beside a busy process; 8 threads against 2 on this machine's cores; a 2-thread model
// in a process whose pool another model grew to 7 workers, against one in a fresh process; and the
// first Sequential.create with 'auto' against threads: 1. Each configuration runs in a process of
// its own (bench/contention-child.ts: a fresh realm, so a fresh pool), the two compared taking
// turns, first one then the other, for several rounds; each round gives a ratio, and the median
// of those is the figure. First, how much of a second core the machine gives at all: two 1-thread
// runs at once, each against one alone.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { median } from './measure.js';

export interface ContentionRow {
  id: string;
  title: string;
  /** What the ratio compares: `other` against `base`. */
  base: string;
  other: string;
  /** Medians over the rounds of each side's figure (samples/s, or ms for create). */
  baseValue: number;
  otherValue: number;
  unit: 'samples/s' | 'ms';
  /** Each round's ratio (or, for create, difference in ms), and their median. */
  rounds: number[];
  figure: number;
  /** The target, and whether the median meets it. */
  target: string;
  met: boolean;
}

export interface ContentionReport {
  cores: number;
  /** W2 1-thread samples/s of each of two runs at once, against one run alone (median of rounds): 1 = a whole second core. */
  secondCore: number;
  rows: ContentionRow[];
}

const CHILD = fileURLToPath(new URL('./contention-child.js', import.meta.url));

function child(args: readonly string[], quick: boolean): ChildProcess & { result: Promise<Record<string, number>> } {
  const proc = spawn(process.execPath, [CHILD, ...args, ...(quick ? ['--quick'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout!.on('data', (chunk: Buffer) => void (out += chunk.toString()));
  const result = new Promise<Record<string, number>>((resolve, reject) =>
    proc.on('exit', (code) => {
      if (code !== 0) reject(new Error(`contention-child ${args.join(' ')} exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>);
    }),
  );
  return Object.assign(proc, { result });
}

function runChild(args: readonly string[], quick: boolean): Record<string, number> {
  const run = spawnSync(process.execPath, [CHILD, ...args, ...(quick ? ['--quick'] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (run.status !== 0) throw new Error(`contention-child ${args.join(' ')} exited with ${run.status}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, number>;
}

/** `rounds` rounds of the two configurations taking turns (the first one alternating). */
function alternate(base: readonly string[], other: readonly string[], key: string, rounds: number, quick: boolean): { base: number[]; other: number[] } {
  const out = { base: [] as number[], other: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? (['other', 'base'] as const) : (['base', 'other'] as const);
    for (const side of order) out[side].push(runChild(side === 'base' ? base : other, quick)[key]!);
  }
  return out;
}

export async function measureContention(rounds: number, quick: boolean, log: (line: string) => void): Promise<ContentionReport> {
  const cores = availableParallelism();
  const rows: ContentionRow[] = [];
  const ratioRow = (
    id: string,
    title: string,
    base: string,
    other: string,
    runs: { base: number[]; other: number[] },
    ratio: (b: number, o: number) => number,
    target: string,
    met: (figure: number) => boolean,
    unit: ContentionRow['unit'] = 'samples/s',
  ): void => {
    const each = runs.base.map((b, i) => ratio(b, runs.other[i]!));
    const figure = median(each);
    rows.push({ id, title, base, other, baseValue: median(runs.base), otherValue: median(runs.other), unit, rounds: each, figure, target, met: met(figure) });
  };

  log('contention: how much of a second core the machine gives (two 1-thread W2 runs at once, against one alone)');
  const shares: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const alone = runChild(['w2', '1'], quick).samplesPerSecond!;
    const pair = [child(['w2', '1'], quick), child(['w2', '1'], quick)];
    const both = await Promise.all(pair.map((p) => p.result));
    shares.push(median(both.map((b) => b.samplesPerSecond!)) / alone);
  }

  log('contention: W2, 2 threads against 1, alone');
  ratioRow(
    'alone',
    'W2, alone',
    '1 thread',
    '2 threads',
    alternate(['w2', '1'], ['w2', '2'], 'samplesPerSecond', rounds, quick),
    (b, o) => o / b,
    '≥ 1.8× where the machine gives a second core',
    (f) => f >= 1.8,
  );

  log('contention: W2, 2 threads against 1, beside a busy process');
  const busy = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  try {
    ratioRow(
      'busy',
      'W2, beside one busy process',
      '1 thread',
      '2 threads',
      alternate(['w2', '1'], ['w2', '2'], 'samplesPerSecond', rounds, quick),
      (b, o) => o / b,
      '≥ 1.0×',
      (f) => f >= 1.0,
    );
  } finally {
    busy.kill();
  }

  log('contention: W2, 8 threads against 2');
  ratioRow(
    'eight',
    `W2, 8 threads on ${cores} cores (time against 2 threads')`,
    '2 threads',
    '8 threads',
    alternate(['w2', '2'], ['w2', '8'], 'samplesPerSecond', rounds, quick),
    (b, o) => b / o,
    '≤ 1.25×',
    (f) => f <= 1.25,
  );

  log('contention: W2, 2 threads after an 8-thread model grew the pool, against a fresh pool');
  ratioRow(
    'grown',
    'W2, 2 threads after the pool grew to 7 workers',
    'fresh pool',
    'grown pool',
    alternate(['w2', '2'], ['w2', '2', 'grown'], 'samplesPerSecond', rounds, quick),
    (b, o) => o / b,
    '≥ 0.95×',
    (f) => f >= 0.95,
  );

  log("contention: the first Sequential.create, 'auto' against threads: 1");
  ratioRow(
    'create',
    "first Sequential.create (2-4-1), 'auto' against threads: 1",
    'threads: 1',
    "'auto'",
    alternate(['create', '1'], ['create', 'auto'], 'ms', 2 * rounds + 1, quick),
    (b, o) => o - b,
    '≤ +10 ms',
    (f) => f <= 10,
    'ms',
  );

  return { cores, secondCore: median(shares), rows };
}

/** The report's lines: for the console (plain) or BENCHMARKS.md (a table). */
export function contentionLines(report: ContentionReport, markdown: boolean): string[] {
  const value = (v: number, unit: ContentionRow['unit']): string => (unit === 'ms' ? `${v.toFixed(1)} ms` : `${(v / 1000).toFixed(1)} k`);
  const figure = (row: ContentionRow, f: number): string => (row.unit === 'ms' ? `${f >= 0 ? '+' : ''}${f.toFixed(1)} ms` : `${f.toFixed(2)}×`);
  const second = `two 1-thread runs at once each ran at ${(100 * report.secondCore).toFixed(0)} % of one alone (${report.cores} cores)`;
  if (!markdown) {
    return [
      `  the machine: ${second}`,
      ...report.rows.map(
        (r) =>
          `  ${r.title.padEnd(62)} ${r.base} ${value(r.baseValue, r.unit)}, ${r.other} ${value(r.otherValue, r.unit)}: ${figure(r, r.figure)} ` +
          `(rounds ${r.rounds.map((f) => figure(r, f)).join(' ')}; target ${r.target}) ${r.met ? '✓' : '✗'}`,
      ),
    ];
  }
  return [
    `The machine: ${second}.`,
    '',
    '| case | compared | medians | figure (median) | each round | target | |',
    '|---|---|---:|---:|---|---|---|',
    ...report.rows.map(
      (r) =>
        `| ${r.title} | ${r.other} against ${r.base} | ${value(r.otherValue, r.unit)} vs ${value(r.baseValue, r.unit)} | ` +
        `**${figure(r, r.figure)}** | ${r.rounds.map((f) => figure(r, f)).join(', ')} | ${r.target} | ${r.met ? '✓' : '✗'} |`,
    ),
  ];
}
