// The three matrix products of a dense layer (docs/architecture.md §3.1), all row-major f32:
//   forward          Z  = A·W + b      matmul        A (m×k), W (k×n)
//   weight gradient  dW = Aᵀ·dZ        matmulTransA  A stored (k×m), dZ (k×n)
//   input gradient   dA = dZ·Wᵀ        matmulTransB  dZ (m×k), W stored (n×k)
// Each has a scalar twin (…Scalar) that sums in exactly the same order, so the tests hold
// the SIMD kernels to their twins bit for bit. The GEMM tiles sum every output over the depth
// index in increasing order with f32 multiply-then-add; a one-column forward product (the
// output neuron, logistic regression) is a SIMD dot product with eight interleaved partial
// sums and a fixed reduction tree, which its twin repeats.
// Pointers and sizes in, nothing kept between calls: safe for threads over one memory.

/** The epilogue shared by every tile: C ← α·acc (+ C if accumulate) (+ bias). */
// @ts-ignore: decorator
@inline function finish4(cp: usize, acc: v128, alpha: v128, accumulate: bool, bp: usize): void {
  let out = f32x4.mul(acc, alpha);
  if (accumulate) out = f32x4.add(v128.load(cp), out);
  if (bp) out = f32x4.add(out, v128.load(bp));
  v128.store(cp, out);
}

// @ts-ignore: decorator
@inline function finish1(cp: usize, acc: f32, alpha: f32, accumulate: bool, bp: usize): void {
  let out = acc * alpha;
  if (accumulate) out = load<f32>(cp) + out;
  if (bp) out = out + load<f32>(bp);
  store<f32>(cp, out);
}

// Register tiles. ap → A(i, 0); A(i+r, p) is at ap + r·aRowB + p·aColB. bp → B(0, j), rows ldb bytes apart.

function tile4x8(ap: usize, aRowB: usize, aColB: usize, bp: usize, ldb: usize, cp: usize, k: i32,
                 alpha: v128, accumulate: bool, biasp: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const a0 = v128.load32_splat(ap);
    const a1 = v128.load32_splat(ap + aRowB);
    const a2 = v128.load32_splat(ap + 2 * aRowB);
    const a3 = v128.load32_splat(ap + 3 * aRowB);
    c00 = f32x4.add(c00, f32x4.mul(a0, b0)); c01 = f32x4.add(c01, f32x4.mul(a0, b1));
    c10 = f32x4.add(c10, f32x4.mul(a1, b0)); c11 = f32x4.add(c11, f32x4.mul(a1, b1));
    c20 = f32x4.add(c20, f32x4.mul(a2, b0)); c21 = f32x4.add(c21, f32x4.mul(a2, b1));
    c30 = f32x4.add(c30, f32x4.mul(a3, b0)); c31 = f32x4.add(c31, f32x4.mul(a3, b1));
    ap += aColB;
    bp += ldb;
  }
  const bias1 = biasp ? biasp + 16 : 0;
  finish4(cp, c00, alpha, accumulate, biasp); finish4(cp + 16, c01, alpha, accumulate, bias1);
  cp += ldb;
  finish4(cp, c10, alpha, accumulate, biasp); finish4(cp + 16, c11, alpha, accumulate, bias1);
  cp += ldb;
  finish4(cp, c20, alpha, accumulate, biasp); finish4(cp + 16, c21, alpha, accumulate, bias1);
  cp += ldb;
  finish4(cp, c30, alpha, accumulate, biasp); finish4(cp + 16, c31, alpha, accumulate, bias1);
}

function tile4x4(ap: usize, aRowB: usize, aColB: usize, bp: usize, ldb: usize, cp: usize, k: i32,
                 alpha: v128, accumulate: bool, biasp: usize): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(bp);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(ap), b0));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(ap + aRowB), b0));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(ap + 2 * aRowB), b0));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(ap + 3 * aRowB), b0));
    ap += aColB;
    bp += ldb;
  }
  finish4(cp, c0, alpha, accumulate, biasp);
  finish4(cp + ldb, c1, alpha, accumulate, biasp);
  finish4(cp + 2 * ldb, c2, alpha, accumulate, biasp);
  finish4(cp + 3 * ldb, c3, alpha, accumulate, biasp);
}

function tile1x4(ap: usize, aColB: usize, bp: usize, ldb: usize, cp: usize, k: i32,
                 alpha: v128, accumulate: bool, biasp: usize): void {
  let c0 = f32x4.splat(0);
  for (let p = 0; p < k; p++) {
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(ap), v128.load(bp)));
    ap += aColB;
    bp += ldb;
  }
  finish4(cp, c0, alpha, accumulate, biasp);
}

/** A row left over by the 4-row tiles (or a single-row batch): 16 columns, four independent
 *  accumulator chains, so the add latency is hidden even with no other rows to interleave. */
function tile1x16(ap: usize, aColB: usize, bp: usize, ldb: usize, cp: usize, k: i32,
                  alpha: v128, accumulate: bool, biasp: usize): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  for (let p = 0; p < k; p++) {
    const a = v128.load32_splat(ap);
    c0 = f32x4.add(c0, f32x4.mul(a, v128.load(bp)));
    c1 = f32x4.add(c1, f32x4.mul(a, v128.load(bp, 16)));
    c2 = f32x4.add(c2, f32x4.mul(a, v128.load(bp, 32)));
    c3 = f32x4.add(c3, f32x4.mul(a, v128.load(bp, 48)));
    ap += aColB;
    bp += ldb;
  }
  finish4(cp, c0, alpha, accumulate, biasp);
  finish4(cp + 16, c1, alpha, accumulate, biasp ? biasp + 16 : 0);
  finish4(cp + 32, c2, alpha, accumulate, biasp ? biasp + 32 : 0);
  finish4(cp + 48, c3, alpha, accumulate, biasp ? biasp + 48 : 0);
}

/** The widest single-row tile: six chains keep both add and both multiply pipes busy (one row of
 *  W4's first layer: 6.4 µs against 7.5 µs in 1×16 passes). Eight chains (1×32) are slower:
 *  V8 loads all eight operands before the first multiply and spills an accumulator. */
function tile1x24(ap: usize, aColB: usize, bp: usize, ldb: usize, cp: usize, k: i32,
                  alpha: v128, accumulate: bool, biasp: usize): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let c4 = f32x4.splat(0), c5 = f32x4.splat(0);
  for (let p = 0; p < k; p++) {
    const a = v128.load32_splat(ap);
    c0 = f32x4.add(c0, f32x4.mul(a, v128.load(bp)));
    c1 = f32x4.add(c1, f32x4.mul(a, v128.load(bp, 16)));
    c2 = f32x4.add(c2, f32x4.mul(a, v128.load(bp, 32)));
    c3 = f32x4.add(c3, f32x4.mul(a, v128.load(bp, 48)));
    c4 = f32x4.add(c4, f32x4.mul(a, v128.load(bp, 64)));
    c5 = f32x4.add(c5, f32x4.mul(a, v128.load(bp, 80)));
    ap += aColB;
    bp += ldb;
  }
  finish4(cp, c0, alpha, accumulate, biasp);
  finish4(cp + 16, c1, alpha, accumulate, biasp ? biasp + 16 : 0);
  finish4(cp + 32, c2, alpha, accumulate, biasp ? biasp + 32 : 0);
  finish4(cp + 48, c3, alpha, accumulate, biasp ? biasp + 48 : 0);
  finish4(cp + 64, c4, alpha, accumulate, biasp ? biasp + 64 : 0);
  finish4(cp + 80, c5, alpha, accumulate, biasp ? biasp + 80 : 0);
}

function tile1x1(ap: usize, aColB: usize, bp: usize, ldb: usize, cp: usize, k: i32,
                 alpha: f32, accumulate: bool, biasp: usize): void {
  let c: f32 = 0;
  for (let p = 0; p < k; p++) {
    c += load<f32>(ap) * load<f32>(bp);
    ap += aColB;
    bp += ldb;
  }
  finish1(cp, c, alpha, accumulate, biasp);
}

/** C (m×n) ← α·op(A)·B (+ C) (+ bias), tiled 4×8, then 4×4, 1×24, 1×16, 1×4 and 1×1 at the edges.
 *  op(A)(i, p) is at a + 4·(i·aRow + p·aCol); B is k×n, C is m×n, bias is n floats or 0. */
function gemmTiled(a: usize, aRow: i32, aCol: i32, b: usize, c: usize, m: i32, k: i32, n: i32,
                   alpha: f32, accumulate: bool, bias: usize): void {
  const aRowB = <usize>aRow << 2;
  const aColB = <usize>aCol << 2;
  const ldb = <usize>n << 2;
  const alphaV = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const ap = a + <usize>i * aRowB;
    const cp = c + <usize>i * ldb;
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      const jb = <usize>j << 2;
      tile4x8(ap, aRowB, aColB, b + jb, ldb, cp + jb, k, alphaV, accumulate, bias ? bias + jb : 0);
    }
    for (; j + 4 <= n; j += 4) {
      const jb = <usize>j << 2;
      tile4x4(ap, aRowB, aColB, b + jb, ldb, cp + jb, k, alphaV, accumulate, bias ? bias + jb : 0);
    }
    for (; j < n; j++) {
      const jb = <usize>j << 2;
      for (let r = 0; r < 4; r++) {
        tile1x1(ap + <usize>r * aRowB, aColB, b + jb, ldb, cp + <usize>r * ldb + jb, k, alpha, accumulate, bias ? bias + jb : 0);
      }
    }
  }
  for (; i < m; i++) {
    const ap = a + <usize>i * aRowB;
    const cp = c + <usize>i * ldb;
    let j = 0;
    // 32 columns left are two passes of 16 rather than 24 and a latency-bound 8
    for (; j + 24 <= n && n - j != 32; j += 24) {
      const jb = <usize>j << 2;
      tile1x24(ap, aColB, b + jb, ldb, cp + jb, k, alphaV, accumulate, bias ? bias + jb : 0);
    }
    for (; j + 16 <= n; j += 16) {
      const jb = <usize>j << 2;
      tile1x16(ap, aColB, b + jb, ldb, cp + jb, k, alphaV, accumulate, bias ? bias + jb : 0);
    }
    for (; j + 4 <= n; j += 4) {
      const jb = <usize>j << 2;
      tile1x4(ap, aColB, b + jb, ldb, cp + jb, k, alphaV, accumulate, bias ? bias + jb : 0);
    }
    for (; j < n; j++) {
      const jb = <usize>j << 2;
      tile1x1(ap, aColB, b + jb, ldb, cp + jb, k, alpha, accumulate, bias ? bias + jb : 0);
    }
  }
}

/** The scalar twin of gemmTiled: the textbook triple loop, same summation order. */
function gemmScalar(a: usize, aRow: i32, aCol: i32, b: usize, c: usize, m: i32, k: i32, n: i32,
                    alpha: f32, accumulate: bool, bias: usize): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc: f32 = 0;
      for (let p = 0; p < k; p++) {
        acc += load<f32>(a + ((<usize>i * aRow + <usize>p * aCol) << 2)) * load<f32>(b + ((<usize>p * n + j) << 2));
      }
      finish1(c + ((<usize>i * n + j) << 2), acc, alpha, accumulate, bias ? bias + (<usize>j << 2) : 0);
    }
  }
}

// One output column. Forward: z[r] = Σ_p a[r][p]·w[p] + bias as a dot product over the
// contiguous row, lanes q = p mod 8 summed separately, then ((s0+s4)+(s2+s6)) + ((s1+s5)+(s3+s7)),
// then the k mod 8 leftover products in order.

/** z (m) = A (m×k) · w (k) + bias (1 float; 0 = none). */
function dotRows(a: usize, w: usize, bias: usize, z: usize, m: i32, k: i32): void {
  const k8 = k & ~7;
  const b: f32 = bias ? load<f32>(bias) : 0;
  for (let r = 0; r < m; r++) {
    const ar = a + ((<usize>r * k) << 2);
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
    for (let p = 0; p < k8; p += 8) {
      const off = <usize>p << 2;
      s0 = f32x4.add(s0, f32x4.mul(v128.load(ar + off), v128.load(w + off)));
      s1 = f32x4.add(s1, f32x4.mul(v128.load(ar + off, 16), v128.load(w + off, 16)));
    }
    let v = f32x4.add(s0, s1);
    v = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    v = f32x4.add(v, v128.shuffle<f32>(v, v, 1, 0, 3, 2));
    let acc = f32x4.extract_lane(v, 0);
    for (let p = k8; p < k; p++) acc += load<f32>(ar + (<usize>p << 2)) * load<f32>(w + (<usize>p << 2));
    store<f32>(z + (<usize>r << 2), bias ? acc + b : acc);
  }
}

/** The scalar twin of dotRows: the same eight partial sums and the same reduction tree. */
function dotRowsScalar(a: usize, w: usize, bias: usize, z: usize, m: i32, k: i32): void {
  const k8 = k & ~7;
  for (let r = 0; r < m; r++) {
    const ar = a + ((<usize>r * k) << 2);
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
    for (let p = 0; p < k8; p += 8) {
      const x = ar + (<usize>p << 2), y = w + (<usize>p << 2);
      s0 += load<f32>(x) * load<f32>(y); s1 += load<f32>(x, 4) * load<f32>(y, 4);
      s2 += load<f32>(x, 8) * load<f32>(y, 8); s3 += load<f32>(x, 12) * load<f32>(y, 12);
      s4 += load<f32>(x, 16) * load<f32>(y, 16); s5 += load<f32>(x, 20) * load<f32>(y, 20);
      s6 += load<f32>(x, 24) * load<f32>(y, 24); s7 += load<f32>(x, 28) * load<f32>(y, 28);
    }
    let acc: f32 = ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7));
    for (let p = k8; p < k; p++) acc += load<f32>(ar + (<usize>p << 2)) * load<f32>(w + (<usize>p << 2));
    store<f32>(z + (<usize>r << 2), bias ? acc + load<f32>(bias) : acc);
  }
}

/** c (m) ← α·Aᵀ·b (+ c if accumulate), A stored k rows lda bytes apart, b (k): each column of A scaled by b and
 *  summed over the rows, 32 columns at a time (one pass over A for a logistic regression of up to
 *  32 inputs, whose A outgrows the caches), then 4; every sum runs over p in order, as in
 *  gemmScalar. */
function columnSums(a: usize, lda: usize, b: usize, c: usize, m: i32, k: i32, alpha: f32, accumulate: bool): void {
  const alphaV = f32x4.splat(alpha);
  let i = 0;
  for (; i + 32 <= m; i += 32) {
    let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
    let c4 = f32x4.splat(0), c5 = f32x4.splat(0), c6 = f32x4.splat(0), c7 = f32x4.splat(0);
    let ap = a + (<usize>i << 2);
    for (let p = 0; p < k; p++) {
      const bv = v128.load32_splat(b + (<usize>p << 2));
      c0 = f32x4.add(c0, f32x4.mul(v128.load(ap), bv));
      c1 = f32x4.add(c1, f32x4.mul(v128.load(ap, 16), bv));
      c2 = f32x4.add(c2, f32x4.mul(v128.load(ap, 32), bv));
      c3 = f32x4.add(c3, f32x4.mul(v128.load(ap, 48), bv));
      c4 = f32x4.add(c4, f32x4.mul(v128.load(ap, 64), bv));
      c5 = f32x4.add(c5, f32x4.mul(v128.load(ap, 80), bv));
      c6 = f32x4.add(c6, f32x4.mul(v128.load(ap, 96), bv));
      c7 = f32x4.add(c7, f32x4.mul(v128.load(ap, 112), bv));
      ap += lda;
    }
    const cp = c + (<usize>i << 2);
    finish4(cp, c0, alphaV, accumulate, 0);
    finish4(cp + 16, c1, alphaV, accumulate, 0);
    finish4(cp + 32, c2, alphaV, accumulate, 0);
    finish4(cp + 48, c3, alphaV, accumulate, 0);
    finish4(cp + 64, c4, alphaV, accumulate, 0);
    finish4(cp + 80, c5, alphaV, accumulate, 0);
    finish4(cp + 96, c6, alphaV, accumulate, 0);
    finish4(cp + 112, c7, alphaV, accumulate, 0);
  }
  for (; i + 4 <= m; i += 4) {
    let c0 = f32x4.splat(0);
    let ap = a + (<usize>i << 2);
    for (let p = 0; p < k; p++) {
      c0 = f32x4.add(c0, f32x4.mul(v128.load(ap), v128.load32_splat(b + (<usize>p << 2))));
      ap += lda;
    }
    finish4(c + (<usize>i << 2), c0, alphaV, accumulate, 0);
  }
  for (; i < m; i++) tile1x1(a + (<usize>i << 2), lda, b, 4, c + (<usize>i << 2), k, alpha, accumulate, 0);
}

/** B (n×k) → Bᵀ (k×n), so that A·Bᵀ runs through the A·B tiles with B rows contiguous. */
function transpose(b: usize, n: i32, k: i32, out: usize): void {
  for (let r = 0; r < n; r++) {
    for (let p = 0; p < k; p++) {
      store<f32>(out + ((<usize>p * n + r) << 2), load<f32>(b + ((<usize>r * k + p) << 2)));
    }
  }
}

/** Z (m×n) = A (m×k) · W (k×n) + bias (n; 0 = none). */
export function matmul(a: usize, w: usize, bias: usize, z: usize, m: i32, k: i32, n: i32): void {
  if (n == 1) dotRows(a, w, bias, z, m, k);
  else gemmTiled(a, k, 1, w, z, m, k, n, 1, false, bias);
}
export function matmulScalar(a: usize, w: usize, bias: usize, z: usize, m: i32, k: i32, n: i32): void {
  if (n == 1) dotRowsScalar(a, w, bias, z, m, k);
  else gemmScalar(a, k, 1, w, z, m, k, n, 1, false, bias);
}

/** C (m×n) ← α · Aᵀ·B (+ C if accumulate), A stored k×m, B k×n.
 *  α = 1: the weight gradient; α = −λ with accumulate: the SGD step W ← W − λ·AᵀdZ, fused. */
export function matmulTransA(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, alpha: f32, accumulate: bool): void {
  matmulTransAColumns(a, m, b, c, m, k, n, alpha, accumulate);
}

/** As matmulTransA for columns of A stored with rows `lda` floats apart (m ≤ lda): the rows
 *  i0… of C for A's columns i0…, so that threads can share out the rows of a weight gradient.
 *  Every element sums over p in order as before, whichever columns it is computed with. */
export function matmulTransAColumns(a: usize, lda: i32, b: usize, c: usize, m: i32, k: i32, n: i32, alpha: f32, accumulate: bool): void {
  if (n == 1) columnSums(a, <usize>lda << 2, b, c, m, k, alpha, accumulate);
  else gemmTiled(a, 1, lda, b, c, m, k, n, alpha, accumulate, 0);
}

/** Z (m×n) = A (m×k) · B (k×n) by the tiles, whatever n (matmul takes n = 1 as dot products):
 *  the second half of matmulTransB, on a kernel already transposed. */
export function matmulPacked(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  gemmTiled(a, k, 1, b, c, m, k, n, 1, false, 0);
}

/** Bᵀ into out: the first half of matmulTransB. */
/** Rows r0…r1−1 of B (n×k) into columns r0…r1−1 of Bᵀ (k×n) at out: threads share out a transposition. */
export function transposeRows(b: usize, n: i32, k: i32, out: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    for (let p = 0; p < k; p++) {
      store<f32>(out + ((<usize>p * n + r) << 2), load<f32>(b + ((<usize>r * k + p) << 2)));
    }
  }
}
export function matmulTransAScalar(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, alpha: f32, accumulate: bool): void {
  gemmScalar(a, 1, m, b, c, m, k, n, alpha, accumulate, 0);
}

/** C (m×n) = A (m×k) · Bᵀ, B stored n×k; scratch holds k×n floats for the packed Bᵀ. */
export function matmulTransB(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, scratch: usize): void {
  transpose(b, n, k, scratch);
  gemmTiled(a, k, 1, scratch, c, m, k, n, 1, false, 0);
}
export function matmulTransBScalar(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc: f32 = 0;
      for (let p = 0; p < k; p++) {
        acc += load<f32>(a + ((<usize>i * k + p) << 2)) * load<f32>(b + ((<usize>j * k + p) << 2));
      }
      store<f32>(c + ((<usize>i * n + j) << 2), acc);
    }
  }
}

