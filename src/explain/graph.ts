// The computational graph of a model, as Keras builds one when a model is compiled: one node
// per operation of docs/architecture.md §1 — the product with the kernel, the bias add, each activation,
// and the binary cross-entropy split into the article's blocks — with the shapes on the edges.
// Pure data (no numbers); src/explain/trace.ts evaluates it forward and backward.
import { OptionError } from '../core/errors.js';
import { ACTIVATIONS, type Activation } from '../network/layers.js';
import { headOf, type Head } from '../heads/index.js';

/** Throw a GradwasmError naming `model` unless it has the shape of a Sequential: `inputs` and dense `layers`. */
export function checkModelShape(model: unknown): asserts model is ModelShape {
  const m = model as Partial<ModelShape> | null;
  const ok =
    typeof m === 'object' &&
    m !== null &&
    Number.isInteger(m.inputs) &&
    (m.inputs as number) >= 1 &&
    Array.isArray(m.layers) &&
    m.layers.length > 0 &&
    m.layers.every(
      (l) => typeof l === 'object' && l !== null && Number.isInteger(l.units) && l.units >= 1 && (ACTIVATIONS as readonly unknown[]).includes(l.activation),
    );
  if (!ok)
    throw new OptionError(
      'model',
      `model must be a Sequential (or have its inputs and dense layers), got ${m === null || typeof m !== 'object' ? String(model) : 'an object without them'}`,
    );
}

/** What {@link graph} reads of a model: its shape (a `Sequential` is one). */
export interface ModelShape {
  readonly inputs: number;
  readonly layers: readonly { readonly units: number; readonly activation: Activation }[];
  /** A feature scaler the model applies to every row first, if any. */
  readonly scaler?: unknown;
}

/**
 * What a node computes. `input`, `label` and `parameter` are leaves; `dot` is a `matmul` whose
 * kernel has one column (one neuron: a dot product per row); `y_log_p` is `y·log p`,
 * `not_y_log_not_p` is `(1−y)·log(1−p)`; `add`, `negate` and `mean` finish the BCE. `neg_log_p_y`
 * is the softmax head's −log p_y, the cross-entropy of each row; `squared_error` the regression
 * head's (ŷ − y)².
 */
export type GraphOp =
  | 'input'
  | 'label'
  | 'parameter'
  | 'standardize'
  | 'matmul'
  | 'dot'
  | 'bias_add'
  | Activation
  | 'y_log_p'
  | 'not_y_log_not_p'
  | 'neg_log_p_y'
  | 'squared_error'
  | 'add'
  | 'negate'
  | 'mean';

/** A dimension: a number of rows or columns, or `'B'` for "as many rows as the batch has". */
export type Dim = number | 'B';

/** One operation of the graph. */
export interface GraphNode {
  /** Unique, made of letters and digits (safe in DOT and Mermaid): `x`, `W1`, `xW1`, `z1`, `a1`, `p`, `loss`… */
  readonly id: string;
  readonly op: GraphOp;
  /** Short name, as in the article: `x·W₁`, `z₁`, `p`, `y·log p`, `L`. */
  readonly label: string;
  /** What it computes, e.g. `z₁ = x·W₁ + b₁` (for a leaf, its label). */
  readonly formula: string;
  /** One sentence for a reader, e.g. `the binary cross-entropy of each row`. */
  readonly description: string;
  /** `[]` for a scalar. */
  readonly shape: readonly Dim[];
  /** The ids of its operands, in order. */
  readonly inputs: readonly string[];
  /** 1-based dense layer the node belongs to; absent for the input and the loss. */
  readonly layer?: number;
}

/** An operand flowing into an operation, with its shape. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly shape: readonly Dim[];
}

/** The computational graph of a model and its mean-BCE loss. Nodes are in forward (topological) order. */
export interface ModelGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  /** Rows flowing through it: `'B'` unless a batch size was given. */
  readonly rows: Dim;
  /** The id of P(Y=1) (`'p'`) and of the loss (`'loss'`). */
  readonly output: 'p';
  readonly loss: 'loss';
}

const SUBSCRIPTS = '₀₁₂₃₄₅₆₇₈₉';
const subscript = (n: number): string => String(n).replace(/\d/g, (d) => SUBSCRIPTS[Number(d)]!);

/**
 * The computational graph of `model` (a `Sequential`, or anything with its `inputs` and
 * `layers`): for each dense layer l, `A_{l−1}·W_l` (`matmul`, or `dot` for one unit), `+ b_l`
 * (`bias_add`) and its activation; then the loss from P(Y=1) in the article's blocks:
 * `y·log p`, `(1−y)·log(1−p)`, their sum, its negation ℓ (the BCE of each row), and the mean
 * L over the rows. A one-layer model (logistic regression) is written as the article does:
 * `w`, `b`, `z`, `p`. Export it with {@link toDot} or {@link toMermaid}.
 *
 * @param rows - rows in the batch, for concrete shapes; default `'B'`.
 */
export function graph(model: ModelShape, rows: Dim = 'B'): ModelGraph {
  checkModelShape(model);
  const nodes: GraphNode[] = [];
  const shapes = new Map<string, readonly Dim[]>();
  const add = (node: GraphNode): string => {
    nodes.push(node);
    shapes.set(node.id, node.shape);
    return node.id;
  };
  const single = model.layers.length === 1;
  const sub = (l: number): string => (single ? '' : subscript(l));

  add({ id: 'x', op: 'input', label: 'x', formula: 'x', description: 'the feature rows', shape: [rows, model.inputs], inputs: [] });
  let a = 'x',
    aLabel = 'x';
  if (model.scaler) {
    a = add({
      id: 'xs',
      op: 'standardize',
      label: 'x̂',
      formula: 'x̂ = (x − mean)/scale',
      description: "the features standardised column by column by the model's scaler",
      shape: [rows, model.inputs],
      inputs: ['x'],
    });
    aLabel = 'x̂';
  }
  let fanIn = model.inputs;
  model.layers.forEach(({ units, activation }, i) => {
    const l = i + 1,
      last = l === model.layers.length;
    const W = single ? 'w' : `W${sub(l)}`,
      b = `b${sub(l)}`;
    add({
      id: `W${l}`,
      op: 'parameter',
      label: W,
      formula: W,
      description: `the kernel of layer ${l}: ${fanIn} inputs × ${units} units`,
      shape: [fanIn, units],
      inputs: [],
      layer: l,
    });
    add({ id: `b${l}`, op: 'parameter', label: b, formula: b, description: `the bias of layer ${l}`, shape: [units], inputs: [], layer: l });
    const product = `${aLabel}·${W}`;
    const mm = add({
      id: `${a}W${l}`,
      op: units === 1 ? 'dot' : 'matmul',
      label: product,
      formula: product,
      description: `the affine part of layer ${l}: each row times the kernel`,
      shape: [rows, units],
      inputs: [a, `W${l}`],
      layer: l,
    });
    const z = `z${sub(l)}`;
    add({
      id: `z${l}`,
      op: 'bias_add',
      label: z,
      formula: `${z} = ${product} + ${b}`,
      description: `the pre-activation of layer ${l}: the bias added to every row`,
      shape: [rows, units],
      inputs: [mm, `b${l}`],
      layer: l,
    });
    const out = last ? 'p' : `a${l}`;
    const outLabel = last ? (activation === 'linear' ? 'ŷ' : 'p') : `a${sub(l)}`;
    const f = activation === 'sigmoid' ? 'σ' : activation;
    add({
      id: out,
      op: activation,
      label: outLabel,
      formula: `${outLabel} = ${f}(${z})`,
      description: !last
        ? `the ${activation} activation of layer ${l}`
        : activation === 'softmax'
          ? 'P(Y=j) for each row and class: pⱼ = e^zⱼ / Σₖ e^zₖ; its z are the logits the loss is computed from'
          : activation === 'linear'
            ? 'ŷ, the predicted value of each row: the last layer is linear, ŷ = z'
            : 'P(Y=1) for each row; its z is the logit the loss is computed from',
      shape: [rows, units],
      inputs: [`z${l}`],
      layer: l,
    });
    a = out;
    aLabel = outLabel;
    fanIn = units;
  });
  LOSS_NODES[headOf('model.layers', model.layers).name](add, rows, model.layers[model.layers.length - 1]!.units);

  const edges = nodes.flatMap((n) => n.inputs.map((from) => ({ from, to: n.id, shape: shapes.get(from)! })));
  return { nodes, edges, rows, output: 'p', loss: 'loss' };
}

/** The nodes from the model's output `p` to the loss `loss`, for each head (src/heads/): the binary
 *  head's in the article's blocks. */
const LOSS_NODES: Readonly<Record<Head['name'], (add: (node: GraphNode) => string, rows: Dim, width: number) => void>> = {
  binary: (add, rows) => {
    add({ id: 'y', op: 'label', label: 'y', formula: 'y', description: 'the 0/1 labels (constants: no gradient)', shape: [rows, 1], inputs: [] });
    add({
      id: 'ylogp',
      op: 'y_log_p',
      label: 'y·log p',
      formula: 'y·log p',
      description: "the article's first block; log p = −log(1 + e^−z), taken from the logit",
      shape: [rows, 1],
      inputs: ['p', 'y'],
    });
    add({
      id: 'ylog1mp',
      op: 'not_y_log_not_p',
      label: '(1−y)·log(1−p)',
      formula: '(1−y)·log(1−p)',
      description: "the article's second block; log(1−p) = −log(1 + e^z), taken from the logit",
      shape: [rows, 1],
      inputs: ['p', 'y'],
    });
    add({
      id: 'sum',
      op: 'add',
      label: 's',
      formula: 's = y·log p + (1−y)·log(1−p)',
      description: 'the two blocks added',
      shape: [rows, 1],
      inputs: ['ylogp', 'ylog1mp'],
    });
    add({ id: 'bce', op: 'negate', label: 'ℓ', formula: 'ℓ = −s', description: 'the binary cross-entropy of each row', shape: [rows, 1], inputs: ['sum'] });
    add({ id: 'loss', op: 'mean', label: 'L', formula: 'L = (1/B)·Σ ℓ', description: 'the loss: the mean BCE over the B rows', shape: [], inputs: ['bce'] });
  },
  regression: (add, rows, width) =>
    rowLossNodes(add, rows, width, {
      labels: 'the target of each row, as the model trains on it — standardised by its target scaler, if it has one',
      loss: { id: 'se', op: 'squared_error', formula: 'ℓ = (ŷ − y)²', description: 'the squared error of each row' },
      mean: "the mean squared error over the B rows (Keras's meanSquaredError); ∂L/∂ŷ = 2(ŷ − y)/B",
    }),
  softmax: (add, rows) =>
    rowLossNodes(add, rows, 1, {
      labels: 'the class index of each row',
      loss: {
        id: 'ce',
        op: 'neg_log_p_y',
        formula: 'ℓ = −log p_y',
        description:
          "the categorical cross-entropy of each row: minus the log of its own class's probability, log p_y = z_y − log Σₖ e^zₖ taken from the logits",
      },
      mean: 'the mean cross-entropy over the B rows',
    }),
};

/** A head whose loss is one block per row: the labels y, each row's loss ℓ from p and y, and L, their mean. */
function rowLossNodes(
  add: (node: GraphNode) => string,
  rows: Dim,
  width: number,
  says: { labels: string; loss: { id: string; op: GraphOp; formula: string; description: string }; mean: string },
): void {
  // (`width` labels and losses per row: a regression's outputs, whose mean L takes them all, as Keras's meanSquaredError)
  add({ id: 'y', op: 'label', label: 'y', formula: 'y', description: `${says.labels} (constants: no gradient)`, shape: [rows, width], inputs: [] });
  add({ ...says.loss, label: 'ℓ', shape: [rows, width], inputs: ['p', 'y'] });
  add({ id: 'loss', op: 'mean', label: 'L', formula: 'L = (1/B)·Σ ℓ', description: `the loss: ${says.mean}`, shape: [], inputs: [says.loss.id] });
}

/** `B×30`, `16`, or `scalar`. */
export function formatShape(shape: readonly Dim[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('×');
}

const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** The graph as Graphviz DOT text, left to right; parameters are boxes, labels and inputs ellipses. */
export function toDot(g: ModelGraph): string {
  const lines = ['digraph gradwasm {', '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=11];', '  edge [fontname="Helvetica", fontsize=9];'];
  for (const n of g.nodes) {
    const shape = n.op === 'parameter' ? 'box' : n.op === 'input' || n.op === 'label' ? 'ellipse' : 'box, style=rounded';
    lines.push(`  ${n.id} [label=${quote(`${n.label}\n${n.op} ${formatShape(n.shape)}`)}, shape=${shape}];`);
  }
  for (const e of g.edges) lines.push(`  ${e.from} -> ${e.to} [label=${quote(formatShape(e.shape))}];`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** The graph as a Mermaid flowchart (`flowchart LR`), for Markdown that renders Mermaid. */
export function toMermaid(g: ModelGraph): string {
  const text = (s: string): string => `"${s.replace(/"/g, '#quot;')}"`;
  const lines = ['flowchart LR'];
  for (const n of g.nodes) {
    const label = text(`${n.label}<br/><small>${n.op} ${formatShape(n.shape)}</small>`);
    lines.push(`  ${n.id}${n.op === 'parameter' ? `[${label}]` : n.op === 'input' || n.op === 'label' ? `([${label}])` : `(${label})`}`);
  }
  for (const e of g.edges) lines.push(`  ${e.from} -->|${formatShape(e.shape)}| ${e.to}`);
  return lines.join('\n') + '\n';
}
