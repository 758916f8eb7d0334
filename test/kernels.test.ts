// Every SIMD kernel of assembly/ against its scalar twin, at sizes that hit every tile edge.
// The kernels sum each output in the same order as their twins, so they must agree exactly.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../src/backend/wasm/core.js';
import { uniform } from './support/random.js';
import { loadTestCore, type TestExports } from './support/test-core.js';

let core: Core<TestExports>;

/** A block of the test core's arena holding a copy of `data`. */
function copyIn(data: Float32Array): number {
  const ptr = core.arena.allocate(data.byteLength);
  core.f32(ptr, data.length).set(data);
  return ptr;
}

beforeAll(async () => {
  core = await loadTestCore();
});

/** Copy arrays into fresh blocks, run fn on their pointers, read `out` back, free everything. */
function run(inputs: Float32Array[], outLength: number, fn: (ptrs: number[], out: number) => void, outInit?: Float32Array): Float32Array {
  const ptrs = inputs.map((a) => copyIn(a));
  const out = outInit ? copyIn(outInit) : core.arena.allocate(outLength * 4);
  if (!outInit) core.f32(out, outLength).fill(NaN); // every element must be written
  try {
    fn(ptrs, out);
    return core.f32(out, outLength).slice();
  } finally {
    for (const p of [...ptrs, out]) core.arena.release(p);
  }
}

const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33];
const shapes: [number, number, number][] = [];
for (const m of SIZES) for (const k of [1, 3, 17]) for (const n of SIZES) shapes.push([m, k, n]);
shapes.push(
  [64, 784, 128],
  [64, 128, 64],
  [1, 20, 128],
  [3, 9, 56],
  [1, 5, 40],
  [2, 7, 24],
  [1, 6, 104],
  [256, 32, 1],
  [32, 100, 1],
  [70, 50, 1],
  [5, 300, 13],
  [1, 784, 128],
  [1, 64, 1],
  [3, 40, 48],
  [2, 9, 1],
);

/** The product by definition, in float64: a loose, independent sanity check on the twins themselves. */
function naive(a: Float32Array, b: Float32Array, m: number, k: number, n: number, aT: boolean, bT: boolean): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[aT ? p * m + i : i * k + p]! * b[bT ? j * k + p : p * n + j]!;
      c[i * n + j] = s;
    }
  return c;
}

function expectClose(actual: Float32Array, expected: Float64Array, k: number): void {
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(1e-6 * k * (1 + Math.abs(expected[i]!)));
  }
}

describe('matmul: Z = A·W + bias', () => {
  it.each(shapes)('%i×%i · %i equals its scalar twin exactly', (m, k, n) => {
    const a = uniform(m * 1000 + k, m * k),
      w = uniform(n * 7 + k, k * n),
      bias = uniform(n, n);
    const simd = run([a, w, bias], m * n, ([pa, pw, pb], out) => core.exports.matmul(pa!, pw!, pb!, out, m, k, n));
    const scalar = run([a, w, bias], m * n, ([pa, pw, pb], out) => core.exports.matmulScalar(pa!, pw!, pb!, out, m, k, n));
    expect(simd).toEqual(scalar);
    const exact = naive(a, w, m, k, n, false, false).map((v, i) => v + bias[i % n]!);
    expectClose(simd, exact, k);
  });

  it('without a bias (pointer 0) adds nothing', () => {
    const [m, k, n] = [5, 3, 9];
    const a = uniform(1, m * k),
      w = uniform(2, k * n);
    const out = run([a, w], m * n, ([pa, pw], o) => core.exports.matmul(pa!, pw!, 0, o, m, k, n));
    expectClose(out, naive(a, w, m, k, n, false, false), k);
  });
});

describe('matmulTransA: C = α·Aᵀ·B (+ C)', () => {
  it.each(shapes)('%i×%i × %i equals its scalar twin exactly, plain and accumulating', (m, k, n) => {
    const a = uniform(m + 31 * k, k * m),
      b = uniform(n + 77 * k, k * n),
      c0 = uniform(m * n + 5, m * n);
    for (const [alpha, accumulate] of [
      [1, false],
      [-0.05, true],
    ] as const) {
      const simd = run([a, b], m * n, ([pa, pb], out) => core.exports.matmulTransA(pa!, pb!, out, m, k, n, alpha, accumulate), accumulate ? c0 : undefined);
      const scalar = run(
        [a, b],
        m * n,
        ([pa, pb], out) => core.exports.matmulTransAScalar(pa!, pb!, out, m, k, n, alpha, accumulate),
        accumulate ? c0 : undefined,
      );
      expect(simd).toEqual(scalar);
      const exact = naive(a, b, m, k, n, true, false).map((v, i) => (accumulate ? c0[i]! : 0) + Math.fround(alpha) * v);
      expectClose(simd, exact, k);
    }
  });
});

describe('matmulTransB: C = A·Bᵀ', () => {
  it.each(shapes)('%i×%i × %iᵀ equals its scalar twin exactly', (m, k, n) => {
    const a = uniform(m + 3 * k, m * k),
      b = uniform(n + 11 * k, n * k);
    const scratch = core.arena.allocate(k * n * 4);
    try {
      const simd = run([a, b], m * n, ([pa, pb], out) => core.exports.matmulTransB(pa!, pb!, out, m, k, n, scratch));
      const scalar = run([a, b], m * n, ([pa, pb], out) => core.exports.matmulTransBScalar(pa!, pb!, out, m, k, n));
      expect(simd).toEqual(scalar);
      expectClose(simd, naive(a, b, m, k, n, false, true), k);
    } finally {
      core.arena.release(scratch);
    }
  });
});

describe('activations', () => {
  const CODES = { linear: 0, sigmoid: 1, tanh: 2, relu: 3 } as const;
  const f64 = { linear: (z: number) => z, sigmoid: (z: number) => 1 / (1 + Math.exp(-z)), tanh: Math.tanh, relu: (z: number) => Math.max(z, 0) };
  const z = Float32Array.from([...uniform(3, 37, -8, 8), 0, -0, 1e-30, -1e-30, 40, -40, 100, -100, 88.7, -103]);

  it.each(Object.keys(CODES) as (keyof typeof CODES)[])('%s forward is the float64 value rounded once to float32', (name) => {
    const out = run([z], z.length, ([pz], o) => {
      core.f32(o, z.length).set(core.f32(pz!, z.length));
      core.exports.activateInPlace(o, z.length, CODES[name]);
    });
    expect(out).toEqual(z.map(f64[name]));
  });

  it.each(Object.keys(CODES) as (keyof typeof CODES)[])('%s forward keeps a NaN (a diverging fit must see it) and saturates at ±Infinity', (name) => {
    const special = Float32Array.from([NaN, Infinity, -Infinity, 1, NaN]);
    const out = run([special], special.length, ([ps], o) => {
      core.f32(o, special.length).set(core.f32(ps!, special.length));
      core.exports.activateInPlace(o, special.length, CODES[name]);
    });
    expect(out).toEqual(special.map(f64[name]));
  });

  it.each(['sigmoid', 'tanh'] as const)('%s (SIMD, float64 lanes) equals the float64 value rounded once on 2^17 values of every magnitude', (name) => {
    const n = 1 << 17;
    const u = uniform(99, 2 * n, 0, 1);
    // magnitudes from 1e-17 to 100: tiny, small, saturating
    const values = Float32Array.from({ length: n }, (_, i) => (u[2 * i]! < 0.5 ? -1 : 1) * Math.exp(-40 + 44.6 * u[2 * i + 1]!));
    const out = run([values], n, ([pv], o) => {
      core.f32(o, n).set(core.f32(pv!, n));
      core.exports.activateInPlace(o, n, CODES[name]);
    });
    let mismatches = 0;
    out.forEach((v, i) => {
      if (!Object.is(v, Math.fround(f64[name](values[i]!)))) mismatches++;
    });
    expect(mismatches).toBe(0);
  });

  it.each(Object.keys(CODES) as (keyof typeof CODES)[])('%s backward multiplies by the derivative taken from the stored output', (name) => {
    const a = z.map(f64[name]);
    const g = uniform(4, z.length);
    const out = run([a], z.length, ([pa], o) => {
      core.f32(o, z.length).set(g);
      core.exports.activationBackward(o, pa!, z.length, CODES[name]);
    });
    const derivative = { linear: () => 1, sigmoid: (v: number) => v * (1 - v), tanh: (v: number) => 1 - v * v, relu: (v: number) => (v > 0 ? 1 : 0) }[name];
    out.forEach((v, i) => expect(v).toBeCloseTo(g[i]! * derivative(a[i]!), 6));
  });
});

describe('firstNonFinite', () => {
  it.each([0, 1, 5, 15, 16, 17, 31, 32, 100])('finds the first NaN/±Infinity among %i values', (length) => {
    const values = uniform(length + 1, length, -1e30, 1e30);
    const ptr = copyIn(values);
    try {
      expect(core.exports.firstNonFinite(ptr, length)).toBe(-1);
      for (const bad of [NaN, Infinity, -Infinity]) {
        for (const at of [0, length >> 1, length - 1].filter((i) => i >= 0 && i < length)) {
          const view = core.f32(ptr, length);
          view.set(values);
          view[at] = bad;
          if (at + 3 < length) view[at + 3] = NaN; // a later one does not matter
          expect(core.exports.firstNonFinite(ptr, length)).toBe(at);
        }
      }
    } finally {
      core.arena.release(ptr);
    }
  });
});

describe("standardize (a model's feature scaler)", () => {
  /** Run one of the kernels on a copy of x; returns what it returned and the rows afterwards. */
  function apply(kernel: 'standardize' | 'standardizeScalar', x: Float32Array, rows: number, cols: number, mean: Float64Array, scale: Float64Array) {
    const xp = copyIn(x);
    const block = core.arena.allocate(16 * cols);
    try {
      const f64 = new Float64Array(core.exports.memory.buffer, block, 2 * cols);
      f64.set(mean);
      f64.set(scale, cols);
      const bad = core.exports[kernel](xp, rows, cols, block, block + 8 * cols);
      return { bad, out: core.f32(xp, rows * cols).slice() };
    } finally {
      core.arena.release(xp);
      core.arena.release(block);
    }
  }

  it.each([1, 2, 3, 4, 5, 7, 8, 9, 17, 33])('agrees bit for bit with its scalar twin and src/data/matrix.ts at %i columns, overflow included', async (cols) => {
    const { standardize } = await import('../src/data/matrix.js');
    for (const rows of [1, 3, 10]) {
      const x = uniform(cols * 7 + rows, rows * cols, -1e4, 1e4);
      const mean = Float64Array.from(uniform(cols, cols, -100, 100));
      const scale = Float64Array.from(uniform(cols + 1, cols, 1e-3, 50));
      const simd = apply('standardize', x, rows, cols, mean, scale);
      const scalar = apply('standardizeScalar', x, rows, cols, mean, scale);
      const js = x.slice();
      expect(simd.bad).toBe(-1);
      expect(scalar.bad).toBe(-1);
      expect(standardize(js, cols, mean, scale)).toBe(-1);
      expect(simd.out).toEqual(scalar.out);
      expect(simd.out).toEqual(js);
      x.forEach((v, i) => expect(simd.out[i]).toBe(Math.fround((v - mean[i % cols]!) / scale[i % cols]!)));
      // a value that becomes ±Infinity stops all three at its index, with the same rows before it
      for (const at of [0, rows * cols - 1, (rows * cols) >> 1]) {
        const big = x.slice();
        big[at] = -3e38; // standardised by a scale < 1, it leaves the float32 range
        const small = scale.slice();
        small[at % cols] = 0.5;
        const a = apply('standardize', big, rows, cols, mean, small);
        const b = apply('standardizeScalar', big, rows, cols, mean, small);
        const c = big.slice();
        expect(a.bad).toBe(at);
        expect(b.bad).toBe(at);
        expect(standardize(c, cols, mean, small)).toBe(at);
        expect(a.out).toEqual(b.out);
        expect(a.out).toEqual(c);
        expect(a.out[at]).toBe(big[at]); // left as it was
        if (at > 0) expect(a.out[at - 1]).toBe(Math.fround((big[at - 1]! - mean[(at - 1) % cols]!) / small[(at - 1) % cols]!));
      }
    }
  });
});

describe('optimizer steps (sgd with weight decay, momentum, Adam)', () => {
  const f = Math.fround;
  // TF.js's formulas, each float32 operation rounded on its own (a single IEEE operation on
  // float32 values computed in float64 and rounded gives the float32 result): the kernels
  // must give exactly these bits.
  const reference = {
    sgd: (w: number, g: number, lr: number, decay: number) => f(w + f(-lr * f(g + f(decay * w)))),
    momentum(w: number, g: number, v: number, lr: number, decay: number, mu: number, nesterov: boolean): [number, number] {
      const gi = f(g + f(decay * w));
      const vi = f(f(mu * v) + gi);
      return [f(f(-lr * (nesterov ? f(gi + f(vi * mu)) : vi)) + w), vi];
    },
    adam(
      w: number,
      g: number,
      m: number,
      v: number,
      lr: number,
      decay: number,
      b1: number,
      b1c: number,
      b2: number,
      b2c: number,
      eps: number,
      c1: number,
      c2: number,
    ): [number, number, number] {
      const gi = f(g + f(decay * w));
      const mi = f(f(m * b1) + f(gi * b1c));
      const vi = f(f(v * b2) + f(f(gi * gi) * b2c));
      return [f(f(f(f(mi / c1) / f(f(Math.sqrt(f(vi / c2))) + eps)) * f(-lr)) + w), mi, vi];
    },
  };
  const LENGTHS = [1, 3, 4, 5, 8, 15, 16, 17, 100];
  const lr = f(0.05),
    decay = f(0.01);

  it.each(LENGTHS)('sgdStep over %i floats equals its scalar twin and the float32 formula exactly', (n) => {
    const w = uniform(n + 1, n, -2, 2),
      g = uniform(n + 2, n);
    for (const d of [0, decay]) {
      const simd = run([g], n, ([pg], out) => core.exports.sgdStep(out, pg!, n, lr, d), w);
      const scalar = run([g], n, ([pg], out) => core.exports.sgdStepScalar(out, pg!, n, lr, d), w);
      expect(simd).toEqual(scalar);
      expect(simd).toEqual(w.map((wi, i) => reference.sgd(wi, g[i]!, lr, d)));
    }
  });

  it.each(LENGTHS)('momentumStep over %i floats (plain and Nesterov) equals its scalar twin and the float32 formula exactly', (n) => {
    const w = uniform(n + 3, n, -2, 2),
      g = uniform(n + 4, n),
      v0 = uniform(n + 5, n, -0.5, 0.5);
    const mu = f(0.9);
    for (const nesterov of [false, true]) {
      // One block holds w then v, so that the kernel's writes to both come back.
      const state = Float32Array.of(...w, ...v0);
      const simd = run([g], 2 * n, ([pg], out) => core.exports.momentumStep(out, pg!, out + 4 * n, n, lr, decay, mu, nesterov), state);
      const scalar = run([g], 2 * n, ([pg], out) => core.exports.momentumStepScalar(out, pg!, out + 4 * n, n, lr, decay, mu, nesterov), state);
      expect(simd).toEqual(scalar);
      const expected = Array.from(w, (wi, i) => reference.momentum(wi, g[i]!, v0[i]!, lr, decay, mu, nesterov));
      expect(simd).toEqual(Float32Array.of(...expected.map((e) => e[0]), ...expected.map((e) => e[1])));
    }
  });

  it.each(LENGTHS)('adamStep over %i floats equals its scalar twin and the float32 formula exactly', (n) => {
    const w = uniform(n + 6, n, -2, 2),
      g = uniform(n + 7, n),
      m0 = uniform(n + 8, n, -0.1, 0.1),
      v0 = uniform(n + 9, n, 0, 0.01);
    const [b1, b1c, b2, b2c, eps] = [f(0.9), f(1 - 0.9), f(0.999), f(1 - 0.999), f(1e-7)];
    const c1 = f(1 - f(f(0.9) * f(0.9))),
      c2 = f(1 - f(f(0.999) * f(0.999))); // step 2
    const state = Float32Array.of(...w, ...m0, ...v0);
    const call = (fn: typeof core.exports.adamStep) =>
      run([g], 3 * n, ([pg], out) => fn(out, pg!, out + 4 * n, out + 8 * n, n, lr, decay, b1, b1c, b2, b2c, eps, c1, c2), state);
    const simd = call(core.exports.adamStep);
    expect(simd).toEqual(call(core.exports.adamStepScalar));
    const expected = Array.from(w, (wi, i) => reference.adam(wi, g[i]!, m0[i]!, v0[i]!, lr, decay, b1, b1c, b2, b2c, eps, c1, c2));
    expect(simd).toEqual(Float32Array.of(...expected.map((e) => e[0]), ...expected.map((e) => e[1]), ...expected.map((e) => e[2])));
  });
});

/**
 * A lane function of the binary head through its test-build window (n f64 values, two at a time)
 * against its scalar twin: how many of x's results differ in any bit, and how many of the twin's
 * are further than an ulp from JavaScript's own function (V8's port of fdlibm, which differs from
 * musl's in the last bit now and then).
 */
function againstTwin(
  x: Float64Array,
  lanes: (src: number, dst: number, n: number) => void,
  twin: typeof lanes,
  js: (v: number) => number,
): { differ: number; far: number } {
  const n = x.length,
    bytes = 8 * n;
  const block = core.arena.allocate(3 * bytes);
  try {
    new Float64Array(core.exports.memory.buffer, block, n).set(x);
    lanes(block, block + bytes, n);
    twin(block, block + 2 * bytes, n);
    const simd = new Float64Array(core.exports.memory.buffer, block + bytes, n),
      scalar = new Float64Array(core.exports.memory.buffer, block + 2 * bytes, n);
    let differ = 0,
      far = 0;
    for (let i = 0; i < n; i++) {
      if (!Object.is(simd[i], scalar[i])) differ++;
      const exact = js(x[i]!);
      if (!Object.is(scalar[i], exact) && Math.abs(scalar[i]! - exact) > 2 ** -52 * Math.abs(exact)) far++;
    }
    return { differ, far };
  } finally {
    core.arena.release(block);
  }
}

describe('log1pUnit (binary cross-entropy’s log1p(exp(−|z|)), two rows at a time)', () => {
  it('gives NativeMath.log1p’s bits (its scalar twin) for 2,000,000 values in [0, 1] and the edges of both of its paths, within an ulp of Math.log1p', () => {
    let s = 99;
    const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const edges = [0, 1, 2 ** -53, 2 ** -53 * (1 - 2 ** -52), 2 ** -1074, 0.41421353816986084, 0.4142135381698608, Math.SQRT2 - 1, 0.5, 2 ** -20, 1 - 2 ** -53];
    const x = new Float64Array(2_000_000);
    x.set(edges);
    for (let i = edges.length; i < x.length; i++) {
      // uniform in [0, 1], and exp(−|z|) of logits spread over ±40 as a model's are
      x[i] = i % 2 ? next() : Math.exp(-40 * next());
    }
    expect(againstTwin(x, core.exports.log1pUnit, core.exports.log1pUnitScalar, Math.log1p)).toEqual({ differ: 0, far: 0 });
  });
});

describe('expValues (binary cross-entropy’s exp(−|z|), two rows at a time)', () => {
  it('gives NativeMath.exp’s bits (its scalar twin) for 2,000,000 values and the edges of each of its paths, within an ulp of Math.exp', () => {
    let s = 7;
    const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const f64 = (hi: number, lo = 0) => new Float64Array(new Uint32Array([lo, hi]).buffer)[0]!;
    // around each of musl's thresholds on the high word of |x|, of both signs
    const thresholds = [0x3e300000, 0x3fd62e42, 0x3ff0a2b2, 0x4086232b].flatMap((h) => [f64(h), f64(h, 0xffffffff), f64(h + 1), f64(h - 1, 0xffffffff)]);
    const edges = [
      0,
      -0,
      1,
      -1,
      2 ** -1074,
      -(2 ** -1074),
      708.3,
      -708.3,
      709.78,
      -745.1,
      -745.2,
      -1000,
      1e300,
      Infinity,
      -Infinity,
      NaN,
      ...thresholds,
      ...thresholds.map((t) => -t),
    ];
    const x = new Float64Array(2_000_000);
    x.set(edges);
    for (let i = edges.length; i < x.length; i++) {
      // −|z| of logits spread over ±40 as a model's are, and any value the scalar takes
      x[i] = i % 2 ? -40 * next() : (next() - 0.5) * 2 ** (40 * next() - 30);
    }
    expect(againstTwin(x, core.exports.expValues, core.exports.expValuesScalar, Math.exp)).toEqual({ differ: 0, far: 0 });
  });
});
