// Issue 3's performance targets and issue 12's thread scaling, checked against a run and reported
// (never asserted: the benchmark measures, it does not fail a build on a slow machine).
import type { ImplName } from './impl.js';
import type { Measurement } from './measure.js';

/** What a run measured, workload id → implementation → median figure. */
export type Figures = ReadonlyMap<string, ReadonlyMap<ImplName, Measurement>>;

export interface TargetResult {
  target: string;
  measured: string;
  /** undefined when a figure was not measured (e.g. a filtered run). */
  met?: boolean;
}

interface Target {
  target: string;
  workload: string;
  /** An absolute floor on gradwasm-wasm's samples/s, a ceiling on its µs, or a minimum speed-up over another implementation. */
  kind: { atLeast: number } | { atMost: number } | { timesFaster: number; than: ImplName } | { perSampleWithin: number; of: string };
  /** Whose figure: gradwasm-wasm (1 thread) unless said. */
  ours?: ImplName;
}

const TARGETS: Target[] = [
  { target: 'W2 training ≥ 100 k samples/s', workload: 'W2', kind: { atLeast: 100_000 } },
  { target: 'W2 training ≥ 9× gradwasm-js', workload: 'W2', kind: { timesFaster: 9, than: 'gradwasm-js' } },
  { target: 'W2 training ≥ 12× TF.js-wasm', workload: 'W2', kind: { timesFaster: 12, than: 'tfjs-wasm' } },
  { target: 'W1 (batch 256) ≥ 3× gradwasm-js', workload: 'W1', kind: { timesFaster: 3, than: 'gradwasm-js' } },
  { target: 'W1 (full batch) ≥ 3× gradwasm-js', workload: 'W1-full', kind: { timesFaster: 3, than: 'gradwasm-js' } },
  { target: 'W3 ≥ 2× gradwasm-js', workload: 'W3', kind: { timesFaster: 2, than: 'gradwasm-js' } },
  { target: 'W3 ≥ 50× TF.js-wasm', workload: 'W3', kind: { timesFaster: 50, than: 'tfjs-wasm' } },
  { target: 'W4 batch inference ≥ 200 k samples/s', workload: 'W4-batch', kind: { atLeast: 200_000 } },
  { target: 'W4 single-sample latency ≤ 10 µs', workload: 'W4-latency', kind: { atMost: 10 } },
  { target: 'W2 with threads ≥ 1.7× 1 thread', workload: 'W2', ours: 'gradwasm-wasm-threads', kind: { timesFaster: 1.7, than: 'gradwasm-wasm' } },
  { target: 'W4 batch with threads ≥ 1.7× 1 thread', workload: 'W4-batch', ours: 'gradwasm-wasm-threads', kind: { timesFaster: 1.7, than: 'gradwasm-wasm' } },
  {
    target: 'W1 (full batch) with threads ≥ 1.5× 1 thread',
    workload: 'W1-full',
    ours: 'gradwasm-wasm-threads',
    kind: { timesFaster: 1.5, than: 'gradwasm-wasm' },
  },
  { target: 'W1 (batch 256) with threads ≥ 1.2× 1 thread', workload: 'W1', ours: 'gradwasm-wasm-threads', kind: { timesFaster: 1.2, than: 'gradwasm-wasm' } },
  { target: 'W3 with threads ≥ 0.95× 1 thread', workload: 'W3', ours: 'gradwasm-wasm-threads', kind: { timesFaster: 0.95, than: 'gradwasm-wasm' } },
  // (the softmax head adds 64×9 columns to a 784×128 problem: W5 should cost what W2 does)
  { target: "W5 per-sample time within 10 % of W2's", workload: 'W5', kind: { perSampleWithin: 1.1, of: 'W2' } },
];

const count = (n: number) => Math.round(n).toLocaleString('en-US');

export function checkTargets(figures: Figures): TargetResult[] {
  return TARGETS.map(({ target, workload, kind, ours: who = 'gradwasm-wasm' }) => {
    const ours = figures.get(workload)?.get(who)?.value;
    if (ours === undefined) return { target, measured: 'not measured' };
    if ('atLeast' in kind) return { target, measured: `${count(ours)} samples/s`, met: ours >= kind.atLeast };
    if ('atMost' in kind) return { target, measured: `${ours.toFixed(1)} µs`, met: ours <= kind.atMost };
    if ('perSampleWithin' in kind) {
      const other = figures.get(kind.of)?.get(who)?.value;
      if (other === undefined) return { target, measured: 'not measured' };
      // samples/s both: time per sample is their inverse
      return { target, measured: `${(other / ours).toFixed(2)}× ${kind.of}'s`, met: other / ours <= kind.perSampleWithin };
    }
    const theirs = figures.get(workload)?.get(kind.than)?.value;
    if (theirs === undefined) return { target, measured: 'not measured' };
    const speedUp = ours / theirs;
    return { target, measured: `${speedUp.toFixed(2)}×`, met: speedUp >= kind.timesFaster };
  });
}
