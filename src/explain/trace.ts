// The chain rule, step by step: the graph of src/explain/graph.ts evaluated forward and backward
// in float64 on the model's own float32 weights, micrograd-style — each operation's forward
// value, its local derivative(s) and how the backward pass applies them sit side by side in OPS
// below. Every parameter's chain-rule product is then checked against the model's own
// back-propagation (`gradients()`, float32, in its backend) and central finite differences
// (float64) over the same forward pass.
import type { Features, Labels, MatrixInput } from '../data/matrix.js';
import { OptionError } from '../core/errors.js';
import { headOf } from '../heads/index.js';
import { checkModelShape, graph, type GraphNode, type GraphOp, type ModelGraph, type ModelShape } from './graph.js';

/** A float64 tensor, row-major; `shape` `[]` is a scalar. */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** A node's local derivative with respect to one operand, as its backward pass uses it. */
export interface LocalDerivative {
  /** The operand's node id. */
  readonly of: string;
  /** The derivative in symbols, e.g. `∂p/∂z = p(1−p)` or `∂(x·w)/∂w = x`. */
  readonly rule: string;
  /** How the backward pass applies it, e.g. `∂L/∂w = xᵀ·∂L/∂(x·w)`. */
  readonly apply: string;
  /** Its value at the sample (broadcast where it has fewer elements than the operand). */
  readonly value: Tensor;
  /** The node whose value it is, when it is another operand (∂(x·W)/∂W = x). */
  readonly sameAs?: string;
}

/** A node of the graph with its numbers at the sample. */
export interface TraceNode extends GraphNode {
  /** The forward value. */
  readonly value: Tensor;
  /** ∂node/∂operand for each operand that carries a gradient (not the labels). */
  readonly local: readonly LocalDerivative[];
  /** ∂L/∂node, the upstream gradient the backward pass brings here; null for the labels (constants). */
  readonly grad: Tensor | null;
}

/** One factor of a parameter's chain rule. */
export interface ChainFactor {
  /** e.g. `∂p/∂z`. */
  readonly symbol: string;
  /** Its value, when it is a single number (one row and one unit along the whole path). */
  readonly value?: number;
}

/** A weight or bias tensor: its gradient by the chain rule, by the model, and by finite differences. */
export interface ParameterTrace {
  /** The node id: `W1`, `b1`, `W2`… */
  readonly id: string;
  /** `W₁`, or `w` and `b` for a one-layer model. */
  readonly label: string;
  /** 1-based layer. */
  readonly layer: number;
  readonly kind: 'weights' | 'bias';
  /** The model's float32 values, in float64 (weights: inputs × units, row-major). */
  readonly value: Tensor;
  /** Node ids from the parameter to the loss, along which the gradient flows back. */
  readonly path: readonly string[];
  /** `∂L/∂θ = ∂L/∂p · ∂p/∂z · …`, from the loss down to the parameter. */
  readonly chain: readonly ChainFactor[];
  /** ∂L/∂θ by the chain rule, in float64: the product of the factors (the node's upstream gradient). */
  readonly gradient: Tensor;
  /** ∂L/∂θ from `model.gradients()`: float32 back-propagation in the model's backend. */
  readonly backprop: Float32Array;
  /** ∂L/∂θ by central differences of the float64 forward pass; NaN where not computed (see `maxFiniteDifferences`). */
  readonly finiteDifference: Float64Array;
  /** max |backprop − gradient|. */
  readonly backpropError: number;
  /** max |finiteDifference − gradient| over the entries computed. */
  readonly finiteDifferenceError: number;
  /** Both errors within {@link Trace.tolerance}. */
  readonly ok: boolean;
}

/** What {@link explain} returns: every node's numbers and every parameter's checked gradient. */
export interface Trace {
  readonly graph: ModelGraph;
  /** Rows traced (the first rows of what was given) and rows given. */
  readonly rows: number;
  readonly rowsGiven: number;
  /** The nodes in forward order, each with its value, local derivatives and upstream gradient. */
  readonly nodes: readonly TraceNode[];
  readonly parameters: readonly ParameterTrace[];
  /** The mean BCE over the traced rows: this float64 trace, and `model.gradients()` (float32 forward). */
  readonly loss: { readonly trace: number; readonly model: number };
  /**
   * The absolute bounds the comparisons are held to, both `atol + rtol·scale` where scale is the
   * largest |∂L/∂θ| over all parameters: back-propagation in float32 within rtol 1e-4 (atol 1e-7),
   * finite differences (float64, step h·max(1, |θ|), h = 1e-6) within rtol 1e-6 (atol 1e-9).
   */
  readonly tolerance: { readonly backprop: number; readonly finiteDifference: number; readonly scale: number; readonly step: number };
  /** Finite differences computed / parameter entries. */
  readonly finiteDifferencesChecked: number;
  readonly parameterCount: number;
  /** Every parameter within tolerance. */
  readonly ok: boolean;
}

/** What {@link explain} reads of a model: a `Sequential` is one. */
export interface ExplainableModel extends ModelShape {
  getWeights(): { weights: Float32Array; bias: Float32Array }[];
  gradients(x: Features, y: Labels): { loss: number; layers: { weights: Float32Array; bias: Float32Array }[] };
  readonly scaler?: { transform(x: Features): Float32Array; readonly scale: Float64Array } | null;
  /** A regression's target scaler: the model trains on (y − mean)/scale, and so does the trace. */
  readonly targetScaler?: { readonly mean: Float64Array; readonly scale: Float64Array } | null;
}

/** Options of {@link explain}. */
export interface ExplainOptions {
  /** Trace at most this many of the first rows (1…64). Default 8. */
  rows?: number;
  /** Compute at most this many finite differences (evenly spread over each parameter tensor when there are more entries). Default 2000. */
  maxFiniteDifferences?: number;
}

/**
 * Tolerances of the comparisons, relative to the largest |∂L/∂θ|. Measured worst cases over 720
 * random networks (both backends, every activation, weights up to ±2, features in ±3, 1–32 rows):
 * float32 back-propagation 4.5e-6 (wasm; 1.0e-6 js), finite differences 1.2e-8.
 */
export const BACKPROP_RTOL = 1e-4,
  BACKPROP_ATOL = 1e-7;
export const FD_RTOL = 1e-6,
  FD_ATOL = 1e-9,
  FD_STEP = 1e-6;

// ---- tensors --------------------------------------------------------------------------------

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const tensor = (shape: readonly number[], data = new Float64Array(size(shape))): Tensor => ({ shape, data });
const scalar = (v: number): Tensor => tensor([], Float64Array.of(v));
const map = (t: Tensor, f: (v: number, i: number) => number): Tensor => tensor(t.shape, t.data.map(f));
/** g ⊙ d, with d broadcast: one number, one per column, or one per element. */
function times(g: Tensor, d: Tensor): Tensor {
  const n = d.data.length,
    cols = g.shape[g.shape.length - 1] ?? 1;
  return map(g, (v, i) => v * d.data[n === 1 ? 0 : n === g.data.length ? i : i % cols]!);
}

/** A[r×n]·B[n×c], with either operand read transposed. */
function matmul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  const [ar, ac] = a.shape as [number, number],
    [br, bc] = b.shape as [number, number];
  const r = transposeA ? ac : ar,
    n = transposeA ? ar : ac,
    c = transposeB ? br : bc;
  const out = tensor([r, c]);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a.data[transposeA ? k * ac + i : i * ac + k]! * b.data[transposeB ? j * bc + k : k * bc + j]!;
      out.data[i * c + j] = s;
    }
  }
  return out;
}

/** The softmax of each row of z [rows × k]. */
function softmaxRows(z: Tensor): Tensor {
  const k = z.shape[1] as number;
  const p = tensor(z.shape);
  for (let row = 0; row < z.data.length; row += k) {
    const lse = logSumExp(z.data, row, k);
    for (let j = 0; j < k; j++) p.data[row + j] = Math.exp(z.data[row + j]! - lse);
  }
  return p;
}

/** log Σⱼ e^data[at + j] over k values, shifted by their largest. */
function logSumExp(data: ArrayLike<number>, at: number, k: number): number {
  let top = -Infinity;
  for (let j = 0; j < k; j++) top = Math.max(top, data[at + j]!);
  let sum = 0;
  for (let j = 0; j < k; j++) sum += Math.exp(data[at + j]! - top);
  return top + Math.log(sum);
}

/** ∂(−log p_y)/∂p [rows × k]: −1/p at each row's class y, 0 elsewhere. */
function oneHotOver(y: Tensor, p: Tensor, k: number): Tensor {
  const out = tensor(p.shape);
  y.data.forEach((c, i) => (out.data[i * k + c] = -1 / p.data[i * k + c]!));
  return out;
}

const softplus = (t: number): number => Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

// ---- the operations: forward, local derivative and backward side by side -------------------

/** Symbols of the node and its operands, for the rules' text. */
interface Names {
  out: string;
  in: readonly string[];
}
/** `∂z/∂(x·w)`: labels with an operator are parenthesised. */
const d = (out: string, of: string): string => `∂${wrap(out)}/∂${wrap(of)}`;
const wrap = (label: string): string => (/[·+−\s()]/.test(label) ? `(${label})` : label);
const dL = (of: string): string => `∂L/∂${wrap(of)}`;

interface Op {
  /** The node's value from its operands' (ctx.logit is z of the output layer, for the loss blocks). */
  forward(a: readonly Tensor[], ctx: Context): Tensor;
  /** ∂out/∂operand at the sample, one per operand that carries a gradient (index `input`). */
  local(a: readonly Tensor[], out: Tensor, n: Names, ctx: Context): (LocalDerivative & { input: number })[];
  /** ∂L/∂operand from g = ∂L/∂out; undefined where the local derivative times g says it all. */
  backward?(g: Tensor, a: readonly Tensor[], local: readonly LocalDerivative[]): Tensor[];
}

interface Context {
  logit: Tensor;
  scaled: Tensor | null;
  scale: Float64Array | null;
  ids: readonly string[];
}

const ld = (input: number, ids: readonly string[], rule: string, apply: string, value: Tensor, sameAs?: string): LocalDerivative & { input: number } => ({
  input,
  of: ids[input]!,
  rule,
  apply,
  value,
  ...(sameAs === undefined ? {} : { sameAs }),
});

/** An elementwise activation: `out = f(z)`, `∂out/∂z = f′` (from z or from out), `∂L/∂z = ∂L/∂out ⊙ f′`. */
const activation = (f: (z: number) => number, derivative: (z: number, a: number) => number, text: (out: string, z: string) => string): Op => ({
  forward: ([z]) => map(z!, f),
  local: ([z], out, n, ctx) => [
    ld(
      0,
      ctx.ids,
      `${d(n.out, n.in[0]!)} = ${text(n.out, n.in[0]!)}`,
      `${dL(n.in[0]!)} = ${dL(n.out)} ⊙ ${d(n.out, n.in[0]!)}`,
      map(z!, (v, i) => derivative(v, out.data[i]!)),
    ),
  ],
});

const matmulOp: Op = {
  // out[B×u] = A[B×n]·W[n×u]
  forward: ([A, W]) => matmul(A!, W!),
  local: ([A, W], _out, n, ctx) => [
    ld(0, ctx.ids, `${d(n.out, n.in[0]!)} = ${n.in[1]}`, `${dL(n.in[0]!)} = ${dL(n.out)}·${n.in[1]}ᵀ`, W!, ctx.ids[1]),
    ld(1, ctx.ids, `${d(n.out, n.in[1]!)} = ${n.in[0]}`, `${dL(n.in[1]!)} = ${n.in[0]}ᵀ·${dL(n.out)}`, A!, ctx.ids[0]),
  ],
  // ∂L/∂A = g·Wᵀ [B×n], ∂L/∂W = Aᵀ·g [n×u]
  backward: (g, [A, W]) => [matmul(g, W!, false, true), matmul(A!, g, true, false)],
};

const OPS: Record<Exclude<GraphOp, 'input' | 'label' | 'parameter'>, Op> = {
  // x̂ = (x − mean)/scale, computed by the model's scaler (float64, rounded to float32 as the model sees it)
  standardize: {
    forward: (_a, ctx) => ctx.scaled!,
    local: (_a, _out, n, ctx) => [
      ld(
        0,
        ctx.ids,
        `${d(n.out, n.in[0]!)} = 1/scale`,
        `${dL(n.in[0]!)} = ${dL(n.out)} ⊙ 1/scale`,
        tensor(
          [ctx.scale!.length],
          ctx.scale!.map((s) => 1 / s),
        ),
      ),
    ],
  },
  matmul: matmulOp,
  dot: matmulOp,
  // z[B×u] = M[B×u] + b[u], b added to every row
  bias_add: {
    forward: ([M, b]) => map(M!, (v, i) => v + b!.data[i % b!.data.length]!),
    local: (_a, _out, n, ctx) => [
      ld(0, ctx.ids, `${d(n.out, n.in[0]!)} = 1`, `${dL(n.in[0]!)} = ${dL(n.out)}`, scalar(1)),
      ld(1, ctx.ids, `${d(n.out, n.in[1]!)} = 1`, `${dL(n.in[1]!)} = Σ_rows ${dL(n.out)}`, scalar(1)),
    ],
    // ∂L/∂b = column sums of g
    backward: (g, [, b]) => {
      const db = tensor(b!.shape);
      g.data.forEach((v, i) => (db.data[i % db.data.length]! += v));
      return [g, db];
    },
  },
  // σ′ = p(1 − p) and tanh′ = 1 − a², evaluated from z: 1 − p and 1 − a² would cancel where p or |a| round to 1
  sigmoid: /* @__PURE__ */ activation(
    sigmoid,
    (z) => sigmoid(z) * sigmoid(-z),
    (a) => `${a}(1 − ${a})`,
  ),
  tanh: /* @__PURE__ */ activation(
    Math.tanh,
    (z) => 1 / Math.cosh(z) ** 2,
    (a) => `1 − ${a}²`,
  ),
  relu: /* @__PURE__ */ activation(
    (z) => Math.max(z, 0),
    (z) => (z > 0 ? 1 : 0),
    (_a, z) => `1 where ${z} > 0, else 0`,
  ),
  linear: /* @__PURE__ */ activation(
    (z) => z,
    () => 1,
    () => '1',
  ),
  // pᵢⱼ = e^zᵢⱼ / Σₖ e^zᵢₖ along each row: its Jacobian couples a row's classes, so the
  // backward step is written out, ∂L/∂zᵢⱼ = pᵢⱼ·(∂L/∂pᵢⱼ − Σₖ pᵢₖ ∂L/∂pᵢₖ)
  softmax: {
    forward: ([z]) => softmaxRows(z!),
    local: (_a, out, n, ctx) => [
      ld(
        0,
        ctx.ids,
        `${d(n.out, n.in[0]!)} = diag(${n.out}) − ${n.out}·${n.out}ᵀ, for each row`,
        `${dL(n.in[0]!)} = ${n.out} ⊙ (${dL(n.out)} − Σₖ ${n.out}ₖ·${dL(n.out)}ₖ)`,
        out,
      ),
    ],
    backward: (g, [z]) => {
      const p = softmaxRows(z!);
      const k = p.shape[1] as number;
      const dz = tensor(p.shape);
      for (let row = 0; row < p.data.length; row += k) {
        let s = 0;
        for (let j = 0; j < k; j++) s += p.data[row + j]! * g.data[row + j]!;
        for (let j = 0; j < k; j++) dz.data[row + j] = p.data[row + j]! * (g.data[row + j]! - s);
      }
      return [dz];
    },
  },
  // −log p_y, with log p_y = z_y − log Σₖ e^zₖ taken from the logits (exact where p_y rounds to 0)
  neg_log_p_y: {
    forward: ([, y], ctx) => {
      const k = ctx.logit.shape[1] as number;
      return map(y!, (c, i) => logSumExp(ctx.logit.data, i * k, k) - ctx.logit.data[i * k + c]!);
    },
    local: ([p, y], _out, n, ctx) => {
      const k = p!.shape[1] as number;
      return [
        ld(0, ctx.ids, `${d(n.out, 'p')} = −1/p_y at the row's class y, 0 at the others`, `${dL('p')} = ${dL(n.out)} ⊙ ∂${n.out}/∂p`, oneHotOver(y!, p!, k)),
      ];
    },
    backward: (g, _a, [local]) => [map(local!.value, (v, i) => v * g.data[Math.floor(i / (local!.value.shape[1] as number))]!)],
  },
  // (ŷ − y)²: the regression head's squared error of each row (one output)
  squared_error: {
    forward: ([p, y]) => map(p!, (v, i) => (v - y!.data[i]!) ** 2),
    local: ([p, y], _out, n, ctx) => [
      ld(
        0,
        ctx.ids,
        `${d(n.out, 'ŷ')} = 2(ŷ − y)`,
        `${dL('ŷ')} = ${dL(n.out)} ⊙ 2(ŷ − y)`,
        map(p!, (v, i) => 2 * (v - y!.data[i]!)),
      ),
    ],
  },
  // y·log p, with log p = −log(1 + e^−z) taken from the logit (exact where p rounds to 1)
  y_log_p: {
    forward: ([, y], ctx) => map(y!, (v, i) => (v === 0 ? 0 : -v * softplus(-ctx.logit.data[i]!))),
    local: ([p, y], _out, n, ctx) => [
      ld(
        0,
        ctx.ids,
        `${d(n.out, 'p')} = y/p`,
        `${dL('p')} += ${dL(n.out)} ⊙ y/p`,
        map(y!, (v, i) => v / p!.data[i]!),
      ),
    ],
  },
  // (1−y)·log(1−p), with log(1−p) = −log(1 + e^z) and 1 − p = σ(−z) taken from the logit
  not_y_log_not_p: {
    forward: ([, y], ctx) => map(y!, (v, i) => (v === 1 ? 0 : -(1 - v) * softplus(ctx.logit.data[i]!))),
    local: ([, y], _out, n, ctx) => [
      ld(
        0,
        ctx.ids,
        `${d(n.out, 'p')} = −(1−y)/(1−p)`,
        `${dL('p')} += ${dL(n.out)} ⊙ (−(1−y)/(1−p))`,
        map(y!, (v, i) => -(1 - v) / sigmoid(-ctx.logit.data[i]!)),
      ),
    ],
  },
  add: {
    forward: ([a, b]) => map(a!, (v, i) => v + b!.data[i]!),
    local: (_a, _out, n, ctx) => [0, 1].map((k) => ld(k, ctx.ids, `${d(n.out, n.in[k]!)} = 1`, `${dL(n.in[k]!)} = ${dL(n.out)}`, scalar(1))),
  },
  negate: {
    forward: ([s]) => map(s!, (v) => -v),
    local: (_a, _out, n, ctx) => [ld(0, ctx.ids, `${d(n.out, n.in[0]!)} = −1`, `${dL(n.in[0]!)} = −${dL(n.out)}`, scalar(-1))],
  },
  // L = (1/B) Σ ℓ
  mean: {
    forward: ([l]) => scalar(l!.data.reduce((a, b) => a + b, 0) / l!.data.length),
    local: ([l], _out, n, ctx) => [ld(0, ctx.ids, `${d(n.out, n.in[0]!)} = 1/B`, `${dL(n.in[0]!)} = ${dL(n.out)}/B for every row`, scalar(1 / l!.data.length))],
    backward: (g, [l]) => [map(l!, () => g.data[0]! / l!.data.length)],
  },
};

/** Run the forward pass over the graph from the leaves' values; returns every node's value. */
function forward(nodes: readonly GraphNode[], leaves: Map<string, Tensor>, ctx: Omit<Context, 'logit' | 'ids'>): Map<string, Tensor> {
  const values = new Map(leaves);
  let logit: Tensor | null = null;
  for (const node of nodes) {
    if (node.op === 'input' || node.op === 'label' || node.op === 'parameter') continue;
    if (node.id === 'p') logit = values.get(node.inputs[0]!)!;
    values.set(
      node.id,
      OPS[node.op].forward(
        node.inputs.map((id) => values.get(id)!),
        { ...ctx, logit: logit!, ids: node.inputs },
      ),
    );
  }
  return values;
}

// ---- explain --------------------------------------------------------------------------------

/**
 * The chain rule at a sample: the model's {@link graph} evaluated forward and backward in
 * float64 on its float32 weights (`getWeights()`) and float32 features, for one row or the
 * first rows of a batch (mean BCE over them). For every node: its forward value, its local
 * derivative with respect to each operand, and the upstream gradient ∂L/∂node. For every
 * parameter: the chain-rule product ∂L/∂θ, checked against `model.gradients()` (float32
 * back-propagation, within 1e-4 of the largest gradient) and central finite differences
 * (float64, within 1e-6 of it); {@link Trace.ok} says whether both held. A relu whose input is
 * within the finite-difference step of 0 is not differentiable there, and may disagree.
 *
 * `x` is anything `model.gradients()` accepts, or a single row as a plain array (`[3]`); `y` the
 * labels, or one label. Format the result with {@link formatTrace}.
 */
export function explain(model: ExplainableModel, x: Features | readonly number[], y: Labels | number, options: ExplainOptions = {}): Trace {
  checkModelShape(model);
  if (typeof model.gradients !== 'function' || typeof model.getWeights !== 'function') {
    throw new OptionError('model', 'model must be a Sequential: explain compares its trace with model.gradients() and reads model.getWeights()');
  }
  if (typeof options !== 'object' || options === null) throw new OptionError('options', 'options must be an object');
  const maxRows = options.rows ?? 8;
  if (!Number.isInteger(maxRows) || maxRows < 1 || maxRows > 64)
    throw new OptionError('options.rows', `options.rows must be an integer in [1, 64], got ${String(options.rows)}`);
  const maxFd = options.maxFiniteDifferences ?? 2000;
  if (!Number.isInteger(maxFd) || maxFd < 0)
    throw new OptionError('options.maxFiniteDifferences', `options.maxFiniteDifferences must be an integer ≥ 0, got ${String(options.maxFiniteDifferences)}`);
  for (const key of Object.keys(options)) {
    if (key !== 'rows' && key !== 'maxFiniteDifferences')
      throw new OptionError(`options.${key}`, `options has an unknown option "${key}"; known: rows, maxFiniteDifferences`);
  }

  // One row as a plain array; one label as a number. Then the first rows, validated by the model itself.
  const oneRow = Array.isArray(x) && (x.length === 0 || typeof x[0] === 'number');
  const features = (oneRow ? [x] : x) as Features;
  const labels: Labels = typeof y === 'number' ? [y] : y;
  const { x: xs, y: ys, rows, given } = firstRows(features, labels, model.inputs, maxRows);
  const fromModel = model.gradients(xs, ys); // throws GradwasmError on malformed x or y
  if (rows === 0) throw new OptionError('x', 'x must be feature rows: number[][], a Float32Array/Float64Array or { data, rows, cols }');
  const raw = float32Rows(xs, rows, model.inputs);
  const scaler = model.scaler ?? null;

  const g = graph(model, rows);
  const last = model.layers[model.layers.length - 1]!;
  const labelWidth = headOf('model.layers', model.layers).labelWidth(last.units);
  const weights = model.getWeights();
  const leaves = new Map<string, Tensor>([
    ['x', tensor([rows, model.inputs], Float64Array.from(raw))],
    ['y', tensor([rows, labelWidth], targetsAsTrained(flatLabels(ys), model.targetScaler ?? null))],
  ]);
  weights.forEach((w, i) => {
    const units = model.layers[i]!.units;
    leaves.set(`W${i + 1}`, tensor([w.weights.length / units, units], Float64Array.from(w.weights)));
    leaves.set(`b${i + 1}`, tensor([units], Float64Array.from(w.bias)));
  });
  const base = { scaled: scaler ? tensor([rows, model.inputs], Float64Array.from(scaler.transform(xs))) : null, scale: scaler?.scale ?? null };
  const values = forward(g.nodes, leaves, base);

  // Backward: from ∂L/∂L = 1, each node hands ∂L/∂operand = (its local derivative applied to ∂L/∂node) to its operands.
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const label = (id: string): string => byId.get(id)!.label;
  const grads = new Map<string, Tensor>([['loss', scalar(1)]]);
  const locals = new Map<string, readonly (LocalDerivative & { input: number })[]>();
  for (const node of [...g.nodes].reverse()) {
    if (node.op === 'input' || node.op === 'label' || node.op === 'parameter') continue;
    const op = OPS[node.op];
    const a = node.inputs.map((id) => values.get(id)!);
    const ctx: Context = { ...base, logit: values.get(byId.get('p')!.inputs[0]!)!, ids: node.inputs };
    const local = op.local(a, values.get(node.id)!, { out: node.label, in: node.inputs.map(label) }, ctx);
    locals.set(node.id, local);
    const up = grads.get(node.id)!;
    const down = op.backward ? op.backward(up, a, local) : local.map((l) => times(up, l.value));
    local.forEach((l, k) => {
      const add = down[op.backward ? l.input : k]!;
      const have = grads.get(l.of);
      grads.set(l.of, have ? map(have, (v, i) => v + add.data[i]!) : add);
    });
  }

  const nodes: TraceNode[] = g.nodes.map((n) => ({
    ...n,
    value: values.get(n.id)!,
    local: (locals.get(n.id) ?? []).map(({ input: _, ...l }) => l),
    grad: n.op === 'label' ? null : grads.get(n.id)!,
  }));

  // Finite differences: perturb each parameter entry by ±h·max(1, |θ|) and rerun the float64 forward pass.
  const lossAt = (): number => forward(g.nodes, leaves, base).get('loss')!.data[0]!;
  const parameterNodes = g.nodes.filter((n) => n.op === 'parameter');
  const parameterCount = parameterNodes.reduce((s, n) => s + leaves.get(n.id)!.data.length, 0);
  const stride = Math.max(1, Math.ceil(parameterCount / Math.max(maxFd, 1)));
  let checked = 0;
  let scale = 0; // the largest |gradient| (a loop: a spread of every gradient overflows the call stack past ~120 k parameters)
  for (const n of parameterNodes) for (const v of grads.get(n.id)!.data) scale = Math.max(scale, Math.abs(v));
  const tolerance = { backprop: BACKPROP_ATOL + BACKPROP_RTOL * scale, finiteDifference: FD_ATOL + FD_RTOL * scale, scale, step: FD_STEP };

  const parameters: ParameterTrace[] = parameterNodes.map((n) => {
    const layer = n.layer!,
      kind = n.id.startsWith('W') ? ('weights' as const) : ('bias' as const);
    const theta = leaves.get(n.id)!;
    const fd = new Float64Array(theta.data.length).fill(NaN);
    if (maxFd > 0) {
      for (let i = 0; i < theta.data.length; i += stride) {
        const keep = theta.data[i]!,
          h = FD_STEP * Math.max(1, Math.abs(keep));
        theta.data[i] = keep + h;
        const up = lossAt();
        theta.data[i] = keep - h;
        const down = lossAt();
        theta.data[i] = keep;
        fd[i] = (up - down) / (2 * h);
        checked++;
      }
    }
    const gradient = grads.get(n.id)!;
    const backprop = fromModel.layers[layer - 1]![kind];
    const backpropError = maxAbsDiff(backprop, gradient.data);
    const finiteDifferenceError = maxAbsDiff(fd, gradient.data);
    const path = pathToLoss(n.id, g);
    return {
      id: n.id,
      label: n.label,
      layer,
      kind,
      value: tensor(theta.shape, theta.data.slice()),
      path,
      chain: chainOf(path, nodes, label),
      gradient,
      backprop,
      finiteDifference: fd,
      backpropError,
      finiteDifferenceError,
      ok: backpropError <= tolerance.backprop && finiteDifferenceError <= tolerance.finiteDifference,
    };
  });

  return {
    graph: g,
    rows,
    rowsGiven: given,
    nodes,
    parameters,
    loss: { trace: values.get('loss')!.data[0]!, model: fromModel.loss },
    tolerance,
    finiteDifferencesChecked: checked,
    parameterCount,
    ok: parameters.every((p) => p.ok),
  };
}

/** max |a − b| over the entries where a is not NaN. */
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (!Number.isNaN(a[i]!)) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** The labels as numbers, row-major: rows of a regression's several targets flattened. */
function flatLabels(y: Labels): ArrayLike<number> {
  if (Array.isArray(y)) return (y as unknown[]).flat() as number[];
  const matrix = y as { data?: ArrayLike<number> };
  return matrix.data ?? (y as ArrayLike<number>);
}

/** The labels as the model trains on them: a regression's targets standardised by its target scaler (rounded to float32, as the model rounds them). */
function targetsAsTrained(y: ArrayLike<number>, scaler: { readonly mean: Float64Array; readonly scale: Float64Array } | null): Float64Array<ArrayBuffer> {
  if (!scaler) return Float64Array.from(y);
  const { mean, scale } = scaler,
    k = mean.length;
  return Float64Array.from(y, (v, i) => Math.fround((Math.fround(v) - mean[i % k]!) / scale[i % k]!));
}

/** From a parameter along its consumers to the output p, then the loss (p feeds both log blocks). */
function pathToLoss(id: string, g: ModelGraph): string[] {
  const path = [id];
  while (path[path.length - 1] !== 'p') path.push(g.nodes.find((n) => n.inputs.includes(path[path.length - 1]!))!.id);
  return [...path, 'loss'];
}

/** ∂L/∂p · ∂p/∂z · … · ∂(x·w)/∂w, with each factor's number when it is a single number. */
function chainOf(path: readonly string[], nodes: readonly TraceNode[], label: (id: string) => string): ChainFactor[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const p = byId.get('p')!;
  const one = (t: Tensor): number | undefined => (t.data.length === 1 ? t.data[0] : undefined);
  const factors: ChainFactor[] = [{ symbol: dL(p.label), value: one(p.grad!) }];
  for (let k = path.indexOf('p'); k > 0; k--) {
    const consumer = byId.get(path[k]!)!,
      operand = path[k - 1]!;
    const local = consumer.local.find((l) => l.of === operand)!;
    factors.push({ symbol: d(consumer.label, label(operand)), value: one(local.value) });
  }
  return factors;
}

/** The first `max` rows of x and y, in the form they were given; anything malformed is passed on for the model to reject. */
function firstRows(x: Features, y: Labels, cols: number, max: number): { x: Features; y: Labels; rows: number; given: number } {
  let given: number | null = null;
  let take: (k: number) => Features = () => x;
  if (Array.isArray(x)) {
    given = x.length;
    take = (k) => x.slice(0, k);
  } else if (x instanceof Float32Array || x instanceof Float64Array) {
    if (x.length % cols === 0) given = x.length / cols;
    take = (k) => x.subarray(0, k * cols);
  } else if (typeof x === 'object' && x !== null && 'data' in x && Number.isInteger(x.rows) && x.rows > 0 && x.cols === cols && wellFormed(x)) {
    const { data, stride } = x;
    given = x.rows;
    take = (k) => {
      const span = spanOf(k, x);
      return {
        data: ArrayBuffer.isView(data) ? (data as Float32Array).subarray(0, span) : Array.prototype.slice.call(data, 0, span),
        rows: k,
        cols,
        ...(stride === undefined ? {} : { stride }),
      };
    };
  }
  const yLength = typeof y === 'object' && y !== null ? (y as ArrayLike<number>).length : undefined;
  if (given === null || given === 0 || yLength !== given) return { x, y, rows: given ?? 0, given: given ?? 0 };
  const rows = Math.min(given, max);
  return { x: take(rows), y: Array.from({ length: rows }, (_, i) => (y as ArrayLike<number>)[i]!), rows, given };
}

/** The feature values as the model reads them (float32), from rows the model has accepted. */
function float32Rows(x: Features, rows: number, cols: number): Float32Array {
  if (Array.isArray(x)) return Float32Array.from((x as ArrayLike<number>[]).flatMap((r) => Array.from(r)));
  if (x instanceof Float32Array || x instanceof Float64Array) return Float32Array.from(x);
  const { data, stride = cols } = x as MatrixInput;
  return Float32Array.from({ length: rows * cols }, (_, i) => data[Math.floor(i / cols) * stride + (i % cols)]!);
}

/** The values `rows` rows of a `{ data, rows, cols, stride? }` input span. */
function spanOf(rows: number, x: MatrixInput): number {
  return x.stride === undefined || x.stride === x.cols ? rows * x.cols : (rows - 1) * x.stride + x.cols;
}

/** Whether the model would take x's shape: packed data of exactly rows × cols, or strided data reaching its last row. */
function wellFormed(x: MatrixInput): boolean {
  const length = x.data?.length;
  if (typeof length !== 'number') return false;
  if (x.stride === undefined || x.stride === x.cols) return length === x.rows * x.cols;
  return Number.isInteger(x.stride) && x.stride > x.cols && length >= spanOf(x.rows, x);
}
