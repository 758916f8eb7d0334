// The test build of the core (build/gradwasm.test.wasm, assembly/test.ts): the production exports
// and every SIMD kernel beside its scalar twin, for test/kernels.test.ts.
import { instantiate } from '@assemblyscript/loader';
import { readFileSync } from 'node:fs';
import { Core, type CoreExports } from '../../src/backend/wasm/core.js';

type Ptr = number;
type AdamStep = (
  w: Ptr,
  g: Ptr,
  m: Ptr,
  v: Ptr,
  n: number,
  lr: number,
  decay: number,
  beta1: number,
  beta1c: number,
  beta2: number,
  beta2c: number,
  epsilon: number,
  c1: number,
  c2: number,
) => void;

export type TestExports = CoreExports & {
  modelBytes(layers: number): number;
  matmul(a: Ptr, w: Ptr, bias: Ptr, z: Ptr, m: number, k: number, n: number): void;
  matmulScalar(a: Ptr, w: Ptr, bias: Ptr, z: Ptr, m: number, k: number, n: number): void;
  matmulTransA(a: Ptr, b: Ptr, c: Ptr, m: number, k: number, n: number, alpha: number, accumulate: boolean): void;
  matmulTransAScalar(a: Ptr, b: Ptr, c: Ptr, m: number, k: number, n: number, alpha: number, accumulate: boolean): void;
  matmulTransB(a: Ptr, b: Ptr, c: Ptr, m: number, k: number, n: number, scratch: Ptr): void;
  matmulTransBScalar(a: Ptr, b: Ptr, c: Ptr, m: number, k: number, n: number): void;
  sgdStep(w: Ptr, g: Ptr, n: number, lr: number, decay: number): void;
  sgdStepScalar(w: Ptr, g: Ptr, n: number, lr: number, decay: number): void;
  momentumStep(w: Ptr, g: Ptr, v: Ptr, n: number, lr: number, decay: number, momentum: number, nesterov: boolean): void;
  momentumStepScalar(w: Ptr, g: Ptr, v: Ptr, n: number, lr: number, decay: number, momentum: number, nesterov: boolean): void;
  adamStep: AdamStep;
  adamStepScalar: AdamStep;
  activateInPlace(buf: Ptr, count: number, act: number): void;
  activationBackward(grad: Ptr, out: Ptr, count: number, act: number): void;
  standardizeScalar(x: Ptr, rows: number, cols: number, mean: Ptr, scale: Ptr): number;
  log1pUnit(src: Ptr, dst: Ptr, n: number): void;
  log1pUnitScalar(src: Ptr, dst: Ptr, n: number): void;
  expValues(src: Ptr, dst: Ptr, n: number): void;
  expValuesScalar(src: Ptr, dst: Ptr, n: number): void;
};

let loading: Promise<Core<TestExports>> | undefined;

export function loadTestCore(): Promise<Core<TestExports>> {
  loading ??= instantiate<TestExports>(readFileSync(new URL('../../build/gradwasm.test.wasm', import.meta.url))).then((r) => new Core(r.exports));
  return loading;
}
