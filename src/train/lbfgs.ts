// L-BFGS (Nocedal & Wright, Numerical Optimization, 2nd ed.): the two-loop recursion of
// Algorithm 7.4 for the direction and a line search that satisfies the strong Wolfe conditions
// (Algorithms 3.5 and 3.6, zoom by safeguarded cubic interpolation), with SciPy's constants
// c1 = 1e-4, c2 = 0.9. Plain float64 vector math on flat parameter vectors; the objective and
// its gradient come from the caller (in fit, the core's forward/backward pass, see
// src/train/fit.ts and docs/architecture.md §1.5). Each call of step() is one iteration.

/** The objective at a point: its value and gradient (the gradient as long as the point). */
export interface Evaluation {
  f: number;
  g: Float64Array;
}

/** The sufficient-decrease and curvature constants (SciPy's, which scikit-learn's 'lbfgs' uses). */
export const C1 = 1e-4;
export const C2 = 0.9;

/** What the line search accepted: the step α along d, φ(α) and φ'(α), and the evaluation there. */
export interface LineSearchResult<E extends Evaluation> {
  alpha: number;
  /** φ(0), φ'(0) = g·d at the start, for checking the Wolfe conditions. */
  phi0: number;
  dphi0: number;
  phi: number;
  dphi: number;
  point: Float64Array;
  at: E;
  /** Evaluations the search made. */
  evaluations: number;
}

/**
 * A step α along the descent direction d from x (f, g at x) with
 *   φ(α) ≤ φ(0) + c1·α·φ'(0)   and   |φ'(α)| ≤ c2·|φ'(0)|,   φ(α) = f(x + α·d)
 * (the strong Wolfe conditions), or null when none was found within `maxEvaluations` (or φ'(0)
 * is not negative). `point(x, α, d)` makes the trial point (fit rounds it to float32, so that
 * the point evaluated is the point kept). A non-finite φ(α) counts as too long a step.
 */
export function wolfeLineSearch<E extends Evaluation>(
  x: Float64Array,
  start: E,
  d: Float64Array,
  alpha1: number,
  evaluate: (point: Float64Array) => E,
  point: (x: Float64Array, alpha: number, d: Float64Array) => Float64Array = axpy,
  maxEvaluations = 20,
): LineSearchResult<E> | null {
  const phi0 = start.f,
    dphi0 = dot(start.g, d);
  if (!(dphi0 < 0)) return null;
  let evaluations = 0;
  const trial = (alpha: number): { alpha: number; phi: number; dphi: number; point: Float64Array; at: E } => {
    evaluations++;
    const p = point(x, alpha, d);
    const at = evaluate(p);
    const finite = Number.isFinite(at.f);
    return { alpha, phi: finite ? at.f : Infinity, dphi: finite ? dot(at.g, d) : NaN, point: p, at };
  };
  const done = (t: ReturnType<typeof trial>): LineSearchResult<E> => ({ ...t, phi0, dphi0, evaluations });
  const sufficient = (t: ReturnType<typeof trial>): boolean => t.phi <= phi0 + C1 * t.alpha * dphi0;
  const curvature = (t: ReturnType<typeof trial>): boolean => Math.abs(t.dphi) <= -C2 * dphi0;

  // Algorithm 3.6: lo satisfies sufficient decrease with the lowest φ seen; the interval (lo, hi) holds a Wolfe point.
  const zoom = (lo: ReturnType<typeof trial> | null, hi: ReturnType<typeof trial>): LineSearchResult<E> | null => {
    const loA = (): number => lo?.alpha ?? 0,
      loPhi = (): number => lo?.phi ?? phi0,
      loDphi = (): number => lo?.dphi ?? dphi0;
    while (evaluations < maxEvaluations) {
      const a = loA(),
        b = hi.alpha,
        width = Math.abs(b - a);
      if (width <= 1e-16 * Math.max(Math.abs(a), Math.abs(b))) return null;
      let alpha = Number.isFinite(hi.phi) ? cubicMinimizer(a, loPhi(), loDphi(), b, hi.phi, hi.dphi) : NaN;
      // (safeguard: inside the interval, at least a tenth of its width from either end; else bisect)
      const low = Math.min(a, b) + 0.1 * width,
        high = Math.max(a, b) - 0.1 * width;
      if (!(alpha >= low && alpha <= high)) alpha = (a + b) / 2;
      const t = trial(alpha);
      if (!sufficient(t) || t.phi >= loPhi()) hi = t;
      else {
        if (curvature(t)) return done(t);
        if (t.dphi * (b - a) >= 0) hi = lo ?? { alpha: 0, phi: phi0, dphi: dphi0, point: x, at: start };
        lo = t;
      }
    }
    return null;
  };

  // Algorithm 3.5: grow the step until it brackets a Wolfe point or satisfies both conditions.
  let previous: ReturnType<typeof trial> | null = null;
  let alpha = alpha1;
  while (evaluations < maxEvaluations) {
    const t = trial(alpha);
    if (!sufficient(t) || (previous !== null && t.phi >= previous.phi)) return zoom(previous, t);
    if (curvature(t)) return done(t);
    if (t.dphi >= 0) return zoom(t, previous ?? { alpha: 0, phi: phi0, dphi: dphi0, point: x, at: start });
    previous = t;
    alpha *= 2;
  }
  return null;
}

/** How far above φ(0), relative to |φ(0)|, the approximate Wolfe conditions let φ(α) end (Hager and Zhang's ε). */
export const APPROXIMATE_EPSILON = 1e-6;

/**
 * The line search for when the strong Wolfe one finds nothing: near a minimum the decreases it
 * must see fall below the rounding of φ (computed from float32 forward passes), while φ' — a
 * gradient, accurate far longer — still points the way. Hager and Zhang's approximate Wolfe
 * conditions (SIAM J. Optim. 16(1), 2005, §4) ask only
 *   C2·φ'(0) ≤ φ'(α) ≤ (1 − 2·C1)·|φ'(0)|   and   φ(α) ≤ φ(0) + ε·|φ(0)|,
 * found here by safeguarded secant steps on φ'. null when none was found within `maxEvaluations`.
 */
export function approximateWolfeLineSearch<E extends Evaluation>(
  x: Float64Array,
  start: E,
  d: Float64Array,
  alpha1: number,
  evaluate: (point: Float64Array) => E,
  point: (x: Float64Array, alpha: number, d: Float64Array) => Float64Array = axpy,
  maxEvaluations = 20,
): LineSearchResult<E> | null {
  const phi0 = start.f,
    dphi0 = dot(start.g, d);
  if (!(dphi0 < 0)) return null;
  const ceiling = phi0 + APPROXIMATE_EPSILON * Math.abs(phi0);
  let lo = { alpha: 0, dphi: dphi0 };
  let hi: { alpha: number; dphi: number } | null = null;
  let alpha = alpha1;
  for (let evaluations = 1; evaluations <= maxEvaluations; evaluations++) {
    const p = point(x, alpha, d);
    const at = evaluate(p);
    const phi = at.f,
      dphi = dot(at.g, d);
    if (!(phi <= ceiling) || !(dphi <= 0 || dphi <= (1 - 2 * C1) * -dphi0)) hi = { alpha, dphi: Number.isFinite(dphi) ? dphi : NaN };
    else if (dphi >= C2 * dphi0) return { alpha, phi0, dphi0, phi, dphi, point: p, at, evaluations };
    else lo = { alpha, dphi };
    if (!hi) {
      alpha *= 2;
      continue;
    }
    const width = hi.alpha - lo.alpha;
    if (width <= 1e-16 * hi.alpha) return null;
    // the secant zero of φ' between lo and hi, at least a tenth of the interval from either end; else bisect
    const secant = lo.alpha - (lo.dphi * width) / (hi.dphi - lo.dphi);
    alpha = secant >= lo.alpha + 0.1 * width && secant <= hi.alpha - 0.1 * width ? secant : lo.alpha + width / 2;
  }
  return null;
}

/** The minimizer of the cubic through (a, fa, da) and (b, fb, db) (N&W eq. 3.59), NaN if it has none. */
export function cubicMinimizer(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const radicand = d1 * d1 - da * db;
  if (!(radicand >= 0)) return NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(radicand);
  return b - ((b - a) * (db + d2 - d1)) / (db - da + 2 * d2);
}

/**
 * L-BFGS's memory: the last `memory` pairs s = x_{k+1} − x_k, y = g_{k+1} − g_k, and the
 * direction −H·g by the two-loop recursion with H₀ = (s·y / y·y)·I from the newest pair.
 */
export class LbfgsMemory {
  private readonly s: Float64Array[] = [];
  private readonly y: Float64Array[] = [];
  private readonly rho: number[] = [];

  constructor(private readonly memory: number) {}

  /** Keep a pair, unless its curvature s·y is not safely positive (SciPy's rule: s·y > ε·y·y). */
  push(s: Float64Array, y: Float64Array): boolean {
    const sy = dot(s, y),
      yy = dot(y, y);
    if (!(sy > Number.EPSILON * yy)) return false;
    if (this.s.length === this.memory) {
      this.s.shift();
      this.y.shift();
      this.rho.shift();
    }
    this.s.push(s);
    this.y.push(y);
    this.rho.push(1 / sy);
    return true;
  }

  clear(): void {
    this.s.length = this.y.length = this.rho.length = 0;
  }

  get pairs(): number {
    return this.s.length;
  }

  /** −H·g (Algorithm 7.4); −g while no pair is kept. */
  direction(g: Float64Array): Float64Array {
    const q = Float64Array.from(g),
      k = this.s.length,
      a = new Float64Array(k);
    for (let i = k - 1; i >= 0; i--) {
      a[i] = this.rho[i]! * dot(this.s[i]!, q);
      addScaled(q, -a[i]!, this.y[i]!);
    }
    if (k > 0) {
      const gamma = dot(this.s[k - 1]!, this.y[k - 1]!) / dot(this.y[k - 1]!, this.y[k - 1]!);
      for (let j = 0; j < q.length; j++) q[j]! *= gamma;
    }
    for (let i = 0; i < k; i++) {
      const b = this.rho[i]! * dot(this.y[i]!, q);
      addScaled(q, a[i]! - b, this.s[i]!);
    }
    for (let j = 0; j < q.length; j++) q[j] = -q[j]!;
    return q;
  }
}

/** How an iteration ended: a step taken (and whether the run has converged), or no step found. */
export type IterationResult<E extends Evaluation> =
  { step: LineSearchResult<E>; converged: 'gradient' | 'loss' | null } | { step: null; converged: 'line search' };

/**
 * One L-BFGS minimization, an iteration per step() call. Convergence, as SciPy's L-BFGS-B
 * (without bounds) decides it: max|gᵢ| ≤ `tolerance` (its pgtol), or a relative decrease
 * (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ `ftol` (its factr·ε; scikit-learn passes 64·ε).
 * When the strong Wolfe search finds no step (the objective flat to its rounding), the approximate
 * Wolfe one tries; when that finds none either, the run ends too.
 */
export class Lbfgs<E extends Evaluation> {
  private readonly history: LbfgsMemory;

  constructor(
    private x: Float64Array,
    private current: E,
    private readonly evaluate: (point: Float64Array) => E,
    private readonly options: { memory: number; tolerance: number; ftol: number; point?: (x: Float64Array, alpha: number, d: Float64Array) => Float64Array },
  ) {
    this.history = new LbfgsMemory(options.memory);
  }

  get point(): Float64Array {
    return this.x;
  }

  get at(): E {
    return this.current;
  }

  /** Whether x already satisfies the gradient test (nothing to do). */
  converged(): boolean {
    return maxAbs(this.current.g) <= this.options.tolerance;
  }

  step(): IterationResult<E> {
    let d = this.history.direction(this.current.g);
    // (a memory whose direction is not a descent one — rounding — starts over from −g)
    if (!(dot(d, this.current.g) < 0) && this.history.pairs > 0) {
      this.history.clear();
      d = negate(this.current.g);
    }
    // SciPy's first step: α = 1/‖d‖ (d = −g); afterwards the quasi-Newton step α = 1.
    const alpha1 = this.history.pairs === 0 ? Math.min(1, 1 / Math.sqrt(dot(d, d))) : 1;
    let found = wolfeLineSearch(this.x, this.current, d, alpha1, this.evaluate, this.options.point);
    const approximate = !found;
    found ??= approximateWolfeLineSearch(this.x, this.current, d, alpha1, this.evaluate, this.options.point);
    if (!found) return { step: null, converged: 'line search' };
    const s = sub(found.point, this.x),
      y = sub(found.at.g, this.current.g);
    this.history.push(s, y);
    const f0 = this.current.f,
      f1 = found.at.f;
    this.x = found.point;
    this.current = found.at;
    // (a step the approximate conditions took changes f by its rounding: no test of the loss's decrease)
    const converged =
      maxAbs(found.at.g) <= this.options.tolerance
        ? 'gradient'
        : !approximate && (f0 - f1) / Math.max(Math.abs(f0), Math.abs(f1), 1) <= this.options.ftol
          ? 'loss'
          : null;
    return { step: found, converged };
  }
}

export function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

export function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

function axpy(x: Float64Array, alpha: number, d: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + alpha * d[i]!;
  return out;
}

function addScaled(q: Float64Array, c: number, v: Float64Array): void {
  for (let i = 0; i < q.length; i++) q[i]! += c * v[i]!;
}

function sub(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! - b[i]!;
  return out;
}

function negate(a: Float64Array): Float64Array {
  return a.map((v) => -v);
}
