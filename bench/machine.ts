// What the numbers were measured on: they mean little without the CPU, the core count, the
// Node/V8 version, how busy the machine was, and which commit of gradwasm ran.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  cpu: string;
  /** x86 vector extensions the CPU reports (wasm SIMD is 128-bit whatever these say). */
  vectorExtensions: string;
  logicalCores: number;
  memoryGiB: number;
  os: string;
  node: string;
  v8: string;
  /** Load averages (1, 5, 15 min) when the run started: other work skews the figures. */
  loadAverage: number[];
  date: string;
  /** The gradwasm commit measured, with "+dirty" when the work tree had changes. */
  commit: string;
}

function cpuInfo(): { model: string; flags: string[] } {
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
    return { model: field('model name') ?? os.cpus()[0]?.model ?? 'unknown', flags: (field('flags') ?? '').split(/\s+/) };
  } catch {
    return { model: os.cpus()[0]?.model ?? 'unknown', flags: [] };
  }
}

function gitCommit(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain', '--untracked-files=no') ? '+dirty' : '');
  } catch {
    return 'unknown';
  }
}

export function describeMachine(): Machine {
  const { model, flags } = cpuInfo();
  const vector = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f'].filter((f) => flags.includes(f));
  return {
    cpu: model,
    vectorExtensions: vector.join(' ') || 'unknown',
    logicalCores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    date: new Date().toISOString(),
    commit: gitCommit(),
  };
}

export function machineLine(m: Machine): string {
  return (
    `${m.cpu} (${m.vectorExtensions}), ${m.logicalCores} logical cores, ${m.memoryGiB} GiB, ${m.os}, ` +
    `Node ${m.node} (V8 ${m.v8}), load average at start ${m.loadAverage.join(' / ')}, gradwasm ${m.commit}, ${m.date}`
  );
}
