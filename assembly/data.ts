// Checks on data the wrapper copied in, run here because SIMD scans them at memory speed.
/** The index of the first value in x[0..count) that is NaN or ±Infinity, or −1. (x − x is 0
 *  exactly for every finite x and NaN otherwise.) */
export function firstNonFinite(x: usize, count: i32): i32 {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= count; i += 16) {
    const p = x + (<usize>i << 2);
    const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
    const bad = v128.or(
      v128.or(f32x4.ne(f32x4.sub(v0, v0), zero), f32x4.ne(f32x4.sub(v1, v1), zero)),
      v128.or(f32x4.ne(f32x4.sub(v2, v2), zero), f32x4.ne(f32x4.sub(v3, v3), zero)));
    if (v128.any_true(bad)) break;
  }
  for (; i < count; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v - v != 0) return i;
  }
  return -1;
}

/** Squeeze rows of `cols` float32 that start `stride` floats apart into packed rows, in place
 *  (row r moves from x + r·stride to x + r·cols), checking them as firstNonFinite does on the
 *  way: returns the packed index of the first NaN or ±Infinity, or −1. A forward copy is safe: a
 *  destination lies before its source, and each vector is loaded before anything is stored over
 *  it. Vectors, not memory.copy, whose call costs more than a row of a few dozen floats. */
export function compactRows(x: usize, rows: i32, cols: i32, stride: i32): i32 {
  const bytes = <usize>cols << 2;
  const vectors = bytes & ~(<usize>15);
  const zero = f32x4.splat(0);
  let bad = zero;
  let scalarBad = false;
  for (let r = 0; r < rows; r++) {
    const to = x + <usize>r * bytes, from = x + (<usize>r * <usize>stride << 2);
    let i: usize = 0;
    for (; i < vectors; i += 16) {
      const v = v128.load(from + i);
      bad = v128.or(bad, f32x4.ne(f32x4.sub(v, v), zero));
      v128.store(to + i, v);
    }
    for (; i < bytes; i += 4) {
      const v = load<f32>(from + i);
      if (v - v != 0) scalarBad = true;
      store<u32>(to + i, load<u32>(from + i));
    }
  }
  return scalarBad || v128.any_true(bad) ? firstNonFinite(x, rows * cols) : -1;
}

/** Standardise a model's input rows in place, column by column (its feature scaler):
 *  x is rows × cols float32, mean and scale are cols float64;
 *  x[r][c] ← f32((f64(x[r][c]) − mean[c]) / scale[c]), one rounding, as src/data/matrix.ts does.
 *  Stops at the first value whose result is not finite, leaving it as it was: returns its
 *  index, or −1. Four columns at a time, each widened to two f64x2 lanes. */
export function standardize(x: usize, rows: i32, cols: i32, mean: usize, scale: usize): i32 {
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const row = x + (<usize>r * <usize>cols << 2);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const p = row + (<usize>c << 2);
      const m = mean + (<usize>c << 3), s = scale + (<usize>c << 3);
      const v = v128.load(p);
      const lo = f64x2.div(f64x2.sub(f64x2.promote_low_f32x4(v), v128.load(m)), v128.load(s));
      const hi = f64x2.div(f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), v128.load(m, 16)), v128.load(s, 16));
      const z = v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
      if (v128.any_true(f32x4.ne(f32x4.sub(z, z), zero))) break; // the scalar loop finds which
      v128.store(p, z);
    }
    for (; c < cols; c++) {
      const p = row + (<usize>c << 2);
      const z = <f32>((<f64>load<f32>(p) - load<f64>(mean + (<usize>c << 3))) / load<f64>(scale + (<usize>c << 3)));
      if (z - z != 0) return r * cols + c;
      store<f32>(p, z);
    }
  }
  return -1;
}

/** The scalar twin of standardize, value by value. */
export function standardizeScalar(x: usize, rows: i32, cols: i32, mean: usize, scale: usize): i32 {
  for (let i = 0; i < rows * cols; i++) {
    const c = i % cols;
    const p = x + (<usize>i << 2);
    const z = <f32>((<f64>load<f32>(p) - load<f64>(mean + (<usize>c << 3))) / load<f64>(scale + (<usize>c << 3)));
    if (z - z != 0) return i;
    store<f32>(p, z);
  }
  return -1;
}
