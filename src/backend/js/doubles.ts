// The 'js' backend's buffers of numbers (see the header of js-backend.ts: why plain arrays).

/** A buffer of float32 values: a plain array of numbers with V8's packed-double elements, or a
 *  Float64Array when it is too large for one. */
export type Doubles = number[] | Float64Array;

/** Buffers of more elements than this are Float64Arrays: arrays live on V8's heap (limited to a
 *  few GB) and V8 aborts the process when one grows past ≈ 10⁸ elements; typed arrays live
 *  outside it. The row buffers never get that large (they hold one chunk, src/backend/plan.ts);
 *  only kernels of more than 2²⁴ weights do, at the cost of slower, polymorphic kernels from
 *  then on in that process. */
const LARGEST_ARRAY = 1 << 24;

/** n zeros: an array whose elements kind is packed-double from the start (a first element that is
 *  not a small integer, then pushes), so that every buffer has the same hidden class. */
export function doubles(n: number): Doubles {
  if (n > LARGEST_ARRAY) return new Float64Array(n);
  const a = [0.5];
  a[0] = 0;
  for (let i = 1; i < n; i++) a.push(0);
  if (n === 0) a.pop();
  return a;
}
