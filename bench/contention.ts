// Threads under real conditions (issue 18; docs/architecture.md §6): W2 with 2 threads against 1,
// alone and beside a busy process; 8 threads against 2 on this machine's cores; a 2-thread model
// in a process whose pool another model grew to 7 workers, against one in a fresh process; and the
// first Sequential.create with 'auto' against threads: 1. Each configuration runs in a process of
// its own (bench/contention-child.ts: a fresh realm, so a fresh pool), the two compared taking
// turns, first one then the other, for several rounds; each round gives a ratio, and the median
// of those is the figure. First, what the machine's cores give at all: W2 on one thread pinned to
// each core in turn, then on both at once. Its cores need not be alike: on a virtual machine a
// core can share its SIMD units with another machine's thread (here one core has run W2 at two
// thirds of the other's speed, and a loop of independent FMAs at half, for minutes at a time). So two
// threads are held to what the two cores give together, not to twice one of them.
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
  /** W2's 1-thread samples/s on each core, pinned (medians of the rounds): alone, and with every core running one at once. */
  coreSpeeds: { alone: number[]; atOnce: number[] } | null;
  rows: ContentionRow[];
}

const CHILD = fileURLToPath(new URL('./contention-child.js', import.meta.url));

/** Whether processes can be pinned to a core: Linux's `taskset` (util-linux, in every Debian). */
const CAN_PIN = process.platform === 'linux' && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;

/** The command line of a process, pinned to `core` when one is given. */
function command(argv: readonly string[], core?: number): [string, string[]] {
  return core === undefined ? [argv[0]!, argv.slice(1)] : ['taskset', ['-c', String(core), ...argv]];
}

function child(args: readonly string[], quick: boolean, core?: number): ChildProcess & { result: Promise<Record<string, number>> } {
  const [file, argv] = command([process.execPath, CHILD, ...args, ...(quick ? ['--quick'] : [])], core);
  const proc = spawn(file, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
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

function runChild(args: readonly string[], quick: boolean, core?: number): Record<string, number> {
  const [file, argv] = command([process.execPath, CHILD, ...args, ...(quick ? ['--quick'] : [])], core);
  const run = spawnSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
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

  // The cores the 2-thread cases run on: W2 on one thread pinned to each, alone and at once
  // (where processes cannot be pinned: two unpinned runs at once)
  const pair = [0, 1];
  const pinned = CAN_PIN && cores >= 2;
  const aloneOn = pair.map(() => [] as number[]),
    atOnceOn = pair.map(() => [] as number[]);
  const one: number[] = [],
    two: number[] = [],
    together: number[] = [];
  log('contention: W2 on 1 thread pinned to each core, then on each core at once; on 1 and 2 threads, alone');
  for (let r = 0; r < rounds; r++) {
    if (pinned) for (const core of pair) aloneOn[core]!.push(runChild(['w2', '1'], quick, core).samplesPerSecond!);
    const runs = await Promise.all(pair.map((core) => child(['w2', '1'], quick, pinned ? core : undefined).result));
    runs.forEach((run, core) => atOnceOn[core]!.push(run.samplesPerSecond!));
    together.push(runs.reduce((sum, run) => sum + run.samplesPerSecond!, 0));
    const order = r % 2 ? ([2, 1] as const) : ([1, 2] as const);
    for (const threads of order) (threads === 1 ? one : two).push(runChild(['w2', String(threads)], quick).samplesPerSecond!);
  }
  const coreSpeeds = pinned ? { alone: aloneOn.map(median), atOnce: atOnceOn.map(median) } : null;
  // two whole cores: each at once as fast as the faster alone (within 5 %)
  const whole = coreSpeeds !== null && Math.min(...coreSpeeds.atOnce) >= 0.95 * Math.max(...coreSpeeds.alone);
  ratioRow(
    'cores',
    'W2, alone: 2 threads against the two cores at once',
    '1 thread on each core at once (sum)',
    '2 threads',
    { base: together, other: two },
    (b, o) => o / b,
    '≥ 0.90× (1.8× of one thread, on cores of one speed)',
    (f) => f >= 0.9,
  );
  ratioRow(
    'alone',
    'W2, alone',
    '1 thread',
    '2 threads',
    { base: one, other: two },
    (b, o) => o / b,
    whole ? '≥ 1.8×' : '≥ 1.8× where the machine gives a second whole core (this one does not: the row above)',
    (f) => f >= 1.8 || (!whole && rows[rows.length - 1]!.met),
  );

  log('contention: W2, 2 threads against 1, beside a busy process (pinned to each core in turn)');
  const besideBusy = { base: [] as number[], other: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const [file, argv] = command([process.execPath, '-e', 'for (;;) {}'], pinned ? pair[r % pair.length] : undefined);
    const busy = spawn(file, argv, { stdio: 'ignore' });
    try {
      const order = r % 2 ? (['other', 'base'] as const) : (['base', 'other'] as const);
      for (const side of order) besideBusy[side].push(runChild(['w2', side === 'base' ? '1' : '2'], quick).samplesPerSecond!);
    } finally {
      busy.kill();
    }
  }
  ratioRow(
    'busy',
    'W2, beside one busy process',
    '1 thread',
    '2 threads',
    besideBusy,
    (b, o) => o / b,
    '≥ 1.0×',
    (f) => f >= 1.0,
  );

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

  return { cores, coreSpeeds, rows };
}

/** The report's lines: for the console (plain) or BENCHMARKS.md (a table). */
export function contentionLines(report: ContentionReport, markdown: boolean): string[] {
  const value = (v: number, unit: ContentionRow['unit']): string => (unit === 'ms' ? `${v.toFixed(1)} ms` : `${(v / 1000).toFixed(1)} k`);
  const figure = (row: ContentionRow, f: number): string => (row.unit === 'ms' ? `${f >= 0 ? '+' : ''}${f.toFixed(1)} ms` : `${f.toFixed(2)}×`);
  const second = machineLine(report);
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

/** What the machine's cores gave W2 on one thread each, alone and at once. */
export function machineLine(report: Pick<ContentionReport, 'cores' | 'coreSpeeds'>): string {
  const k = (v: number): string => `${(v / 1000).toFixed(1)} k`;
  const speeds = report.coreSpeeds;
  if (!speeds) return `${report.cores} cores (not pinned: no taskset here)`;
  return (
    `${report.cores} cores; W2 on 1 thread pinned to core 0 and core 1: ${speeds.alone.map(k).join(' and ')} samples/s alone, ` +
    `${speeds.atOnce.map(k).join(' and ')} at once (together ${(speeds.atOnce.reduce((a, b) => a + b, 0) / Math.max(...speeds.alone)).toFixed(2)}× the faster alone)`
  );
}
