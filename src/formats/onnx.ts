// A model as ONNX (opset 13): a protobuf that onnxruntime — web, node, Python, C++ — and every
// ONNX tool load. The encoding is the few protobuf wire types ONNX needs, written here (varints,
// length-delimited fields, little-endian raw tensor data), so nothing is added to the library.
// The graph: the input `features` [batch, inputs] (batch a dynamic dimension); the model's scaler,
// if any, as the nodes of float32Standardization in front, so the file takes raw features; one
// Gemm per dense layer and its activation (Relu, Tanh, Sigmoid; linear has none); then the outputs
// of scikit-learn's classifiers as skl2onnx writes them with zipmap off — `label` (int64 [batch])
// and `probabilities` (float [batch, 2]) — and `probability` [batch, 1], P(Y=1), which files
// from before had alone. A model that knows its column names carries them as metadata
// (`features`, a JSON array in input order, and `label`), which onnxruntime's
// `custom_metadata_map` shows.
import { concatBytes } from '../core/bytes.js';
import { describe } from '../core/checks.js';
import { OptionError } from '../core/errors.js';
import type { Activation } from '../network/layers.js';
import type { StandardScaler } from '../data/scaler.js';
import { Sequential } from '../model/sequential.js';
import { gradwasmVersion } from '../core/version.js';
import type { Head } from '../heads/index.js';
import type { ClassName } from '../data/classes.js';

/** The ONNX operator set the file uses: the default domain at version 13 (IR version 7). */
export const ONNX_OPSET = 13;
// IR 7 with opset 13: what onnx 1.12's checker (scripts/check-onnx.py) and onnxruntime 1.8 on accept.
const IR_VERSION = 7;
const FLOAT = 1,
  INT64 = 7,
  STRING = 8; // TensorProto.DataType
const ATTRIBUTE_INT = 2,
  ATTRIBUTE_FLOATS = 6,
  ATTRIBUTE_INTS = 7,
  ATTRIBUTE_STRINGS = 8; // AttributeProto.AttributeType
/** The domain of LabelEncoder (the class names of `label`), at the version whose keys and values may be int64, float or string. */
const ML_DOMAIN = 'ai.onnx.ml',
  ML_OPSET = 2;

// (Softmax at opset 13 normalises over the last axis: each row's k logits)
const OPERATOR: Record<Activation, string | null> = { linear: null, relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid', softmax: 'Softmax' };

/** Protobuf fields, appended in order; finish() joins them. */
class Message {
  private readonly parts: Uint8Array[] = [];

  /** A varint field (int32, int64, enum). */
  int(field: number, value: number): this {
    this.parts.push(varint(field * 8), varint(value));
    return this;
  }

  /** A length-delimited field: bytes, a string, or a nested message. */
  field(field: number, value: Uint8Array | string | Message): this {
    const data = typeof value === 'string' ? new TextEncoder().encode(value) : value instanceof Message ? value.finish() : value;
    this.parts.push(varint(field * 8 + 2), varint(data.length), data);
    return this;
  }

  /** A packed repeated varint field. */
  packed(field: number, values: readonly number[]): this {
    return this.field(field, concatBytes(values.map(varint)));
  }

  finish(): Uint8Array {
    return concatBytes(this.parts);
  }
}

/** An unsigned varint (every value here is a small non-negative integer: lengths, dimensions, enums). */
function varint(value: number): Uint8Array {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

/** TensorProto: a named float32 (or int64) initializer of shape `dims`, its data raw little-endian. */
function tensor(name: string, dims: readonly number[], values: ArrayLike<number>, type = FLOAT): Message {
  const size = type === INT64 ? 8 : 4;
  const raw = new DataView(new ArrayBuffer(size * values.length));
  for (let i = 0; i < values.length; i++) {
    if (type === INT64) raw.setBigInt64(8 * i, BigInt(values[i]!), true);
    else raw.setFloat32(4 * i, values[i]!, true);
  }
  return new Message().packed(1, dims).int(2, type).field(8, name).field(9, new Uint8Array(raw.buffer));
}

/** ValueInfoProto: a tensor named `name` of element type `type` and shape [batch, ...width], batch dynamic. */
function valueInfo(name: string, type: number, width: readonly number[]): Message {
  const shape = new Message().field(1, new Message().field(2, 'batch')); // dim_param
  for (const w of width) shape.field(1, new Message().int(1, w)); // dim_value
  return new Message().field(1, name).field(2, new Message().field(1, new Message().int(1, type).field(2, shape)));
}

/** NodeProto: `op` from `inputs` to one output, named after it, with integer attributes. */
function node(op: string, inputs: readonly string[], output: string, attributes: Record<string, number> = {}): Message {
  const m = new Message();
  for (const i of inputs) m.field(1, i);
  m.field(2, output).field(3, output).field(4, op);
  for (const [name, value] of Object.entries(attributes)) m.field(5, new Message().field(1, name).int(3, value).int(20, ATTRIBUTE_INT));
  return m;
}

/** Nodes and the initializers they read, in graph order. */
interface Part {
  nodes: Message[];
  initializers: Message[];
}

/** The smallest and the largest normal float32 (the TF.js writer's scaler uses them too). */
export const FLOAT32_MIN_NORMAL = 2 ** -126,
  FLOAT32_MAX = 3.4028234663852886e38;
/** An exponent e clamped to where 2^e is a normal float32, so that products with 2^e are exact short of overflow and underflow. */
export const clampExponent = (e: number): number => Math.min(127, Math.max(-126, e));

/**
 * The scaler in float32 arithmetic, as close to the core's z = f32((x − mean) / scale) — computed
 * in float64, rounded once — as float32 nodes come:
 *   z = ((((x − meanHi) − meanLo) · before) / divisor) · after
 * meanHi + meanLo is the float64 mean to about 2^-48 of it: subtracting a float32-rounded mean
 * would err by up to half its ulp (0.004 at 1e5), scaled by 1 / scale. x − meanHi is exact
 * near the mean (Sterbenz). Dividing by the scale rounded to float32 errs as little as
 * multiplying by a rounded 1 / scale would (measured: 1.7 ulps of z at most either way), and
 * stays finite where 1 / scale would not: a scale below 2^-63 or above float32's range (3.4e38)
 * is divided as scale · 2^k, near 1, with 2^-k applied as two exact power-of-two products around
 * it (before and after, each within float32) — so that neither 1 / scale nor a subnormal
 * x − mean loses digits — which keeps z within an ulp or two down to scales of 2^-380, below
 * which no input but the mean itself gives a finite z in the core either.
 */
function float32Standardization(
  mean: ArrayLike<number>,
  scale: ArrayLike<number>,
): { meanHi: Float32Array; meanLo: Float32Array; before: Float32Array; divisor: Float32Array; after: Float32Array } {
  const n = mean.length;
  const meanHi = Float32Array.from(mean),
    meanLo = new Float32Array(n);
  const before = new Float32Array(n).fill(1),
    divisor = new Float32Array(n),
    after = new Float32Array(n).fill(1);
  for (let c = 0; c < n; c++) {
    meanLo[c] = mean[c]! - meanHi[c]!; // exact in float64, then rounded
    const s = scale[c]!,
      rounded = Math.fround(s);
    if (rounded >= 2 ** -63 && rounded <= FLOAT32_MAX) {
      divisor[c] = rounded;
      continue;
    }
    const shift = -Math.round(Math.log2(s)); // s · 2^shift is near 1
    const a = clampExponent(Math.ceil(shift / 2)),
      b = clampExponent(shift - Math.ceil(shift / 2));
    before[c] = 2 ** a;
    after[c] = 2 ** b;
    divisor[c] = Math.min(FLOAT32_MAX, Math.max(FLOAT32_MIN_NORMAL, s * 2 ** (a + b)));
  }
  return { meanHi, meanLo, before, divisor, after };
}

/** The scaler's nodes, from `features` to `scaled` (the power-of-two products only where a scale needs them). */
function scalerPart(scaler: StandardScaler): Part {
  const { meanHi, meanLo, before, divisor, after } = float32Standardization(scaler.mean, scaler.scale);
  const n = meanHi.length;
  const initializers = [tensor('scaler_mean_hi', [n], meanHi), tensor('scaler_mean_lo', [n], meanLo), tensor('scaler_divisor', [n], divisor)];
  const nodes = [node('Sub', ['features', 'scaler_mean_hi'], 'centered_hi'), node('Sub', ['centered_hi', 'scaler_mean_lo'], 'centered')];
  if (before.every((v) => v === 1) && after.every((v) => v === 1)) {
    nodes.push(node('Div', ['centered', 'scaler_divisor'], 'scaled'));
  } else {
    initializers.push(tensor('scaler_before', [n], before), tensor('scaler_after', [n], after));
    nodes.push(
      node('Mul', ['centered', 'scaler_before'], 'centered_shifted'),
      node('Div', ['centered_shifted', 'scaler_divisor'], 'scaled_shifted'),
      node('Mul', ['scaled_shifted', 'scaler_after'], 'scaled'),
    );
  }
  return { nodes, initializers };
}

/** A Gemm per dense layer and its activation, from `input` to `probability` [batch, units of the last layer]. */
function densePart(model: Sequential, input: string): Part {
  const part: Part = { nodes: [], initializers: [] };
  const weights = model.getWeights();
  let current = input,
    fanIn = model.inputs;
  model.layers.forEach(({ units, activation }, l) => {
    const last = l === model.layers.length - 1;
    const name = `dense_${l + 1}`;
    part.initializers.push(tensor(`${name}_kernel`, [fanIn, units], weights[l]!.weights), tensor(`${name}_bias`, [units], weights[l]!.bias));
    const op = OPERATOR[activation];
    const z = op ? `${name}_z` : last ? 'probability' : `${name}_out`;
    part.nodes.push(node('Gemm', [current, `${name}_kernel`, `${name}_bias`], z));
    current = z;
    if (op) {
      const out = last ? 'probability' : `${name}_out`;
      part.nodes.push(node(op, [z], out));
      current = out;
    }
    fanIn = units;
  });
  return part;
}

/** What a head puts after the last layer (whose output is `probability`): its nodes, the graph's
 *  outputs, and what the doc string says of them. Every head has one (src/heads/). */
interface HeadPart extends Part {
  /** The outputs after `label` (which toOnnx declares: its type depends on the classes' names). */
  outputs: Message[];
  /** What the model is, and what its outputs are, in the doc string's words. */
  says: { model: string; outputs: string };
}

/** Each head's part, its class index written to the output named `label`. */
const HEAD_PARTS: Readonly<Record<Head['name'], (model: Sequential, label: string) => HeadPart>> = {
  /**
   * skl2onnx's classifier outputs from `probability` p [batch, 1]: `label` [batch], 1 where
   * p > 0.5 (predict's rule; ArgMax of [1 − p, p] in skl2onnx, which picks 0 on a tie too), and
   * `probabilities` [batch, 2] = [1 − p, p]; then `probability` itself.
   */
  binary: (_model, label) => ({
    initializers: [tensor('one', [], [1]), tensor('half', [], [0.5]), tensor('flat', [1], [-1], INT64)],
    nodes: [
      node('Sub', ['one', 'probability'], 'probability_of_0'),
      node('Concat', ['probability_of_0', 'probability'], 'probabilities', { axis: 1 }),
      node('Greater', ['probability', 'half'], 'positive'),
      node('Cast', ['positive'], 'label_column', { to: INT64 }),
      node('Reshape', ['label_column', 'flat'], label),
    ],
    outputs: [valueInfo('probabilities', FLOAT, [2]), valueInfo('probability', FLOAT, [1])],
    says: {
      model: 'A binary classifier',
      outputs:
        'label (int64, 1 where P(Y=1) > 0.5), probabilities [1 − P(Y=1), P(Y=1)] (as skl2onnx writes them with zipmap off) and probability [batch, 1], P(Y=1)',
    },
  }),
  /** skl2onnx's classifier outputs from the softmax `probability` [batch, k]: `label` [batch], the
   *  most probable class (ArgMax, the first on a tie, as predict), and `probabilities` [batch, k]. */
  softmax: (model, label) => {
    const k = model.layers[model.layers.length - 1]!.units;
    return {
      initializers: [],
      nodes: [node('Identity', ['probability'], 'probabilities'), node('ArgMax', ['probabilities'], label, { axis: 1, keepdims: 0 })],
      outputs: [valueInfo('probabilities', FLOAT, [k])],
      says: {
        model: `A classifier of ${k} classes`,
        outputs: `label (int64, the class index of the largest probability, the first on a tie) and probabilities [batch, ${k}] (P(Y=j), as skl2onnx writes them with zipmap off)`,
      },
    };
  },
  /** skl2onnx's regressor output: `variable` [batch, k], the values (the last layer is linear:
   *  `probability` is them), brought back to the targets' units by the target scaler, if any. */
  regression: (model) => {
    const k = model.layers[model.layers.length - 1]!.units;
    const target = model.targetScaler;
    return {
      initializers: target ? [tensor('target_scale', [k], target.scale), tensor('target_mean', [k], target.mean)] : [],
      nodes: target
        ? [node('Mul', ['probability', 'target_scale'], 'value_scaled'), node('Add', ['value_scaled', 'target_mean'], 'variable')]
        : [node('Identity', ['probability'], 'variable')],
      outputs: [valueInfo('variable', FLOAT, [k])],
      says: {
        model: `A regressor of ${k} output${k === 1 ? '' : 's'}`,
        outputs: `variable [batch, ${k}] (the predicted values, as skl2onnx names a regressor's)`,
      },
    };
  },
};

/** The type `label` has with these class names: strings, int64 codes, or float codes. */
function classType(names: readonly ClassName[]): number {
  if (names.some((c) => typeof c === 'string')) return STRING;
  // (the protobuf writer here writes non-negative varints: negative codes go as floats)
  return names.every((c) => Number.isInteger(c) && (c as number) >= 0) ? INT64 : FLOAT;
}

/** LabelEncoder (ai.onnx.ml) from the class index `label_index` to `label`, the class by the name
 *  the model keeps (skl2onnx gives a classifier's label its classes' own values too). */
function classNamesPart(names: readonly ClassName[]): Part {
  const type = classType(names);
  const encoder = new Message();
  encoder.field(1, 'label_index').field(2, 'label').field(3, 'label').field(4, 'LabelEncoder').field(7, ML_DOMAIN);
  encoder.field(
    5,
    new Message()
      .field(1, 'keys_int64s')
      .packed(
        8,
        names.map((_, i) => i),
      )
      .int(20, ATTRIBUTE_INTS),
  );
  if (type === STRING) {
    const values = new Message().field(1, 'values_strings');
    for (const c of names) values.field(9, String(c));
    encoder.field(5, values.int(20, ATTRIBUTE_STRINGS));
  } else if (type === INT64) {
    encoder.field(
      5,
      new Message()
        .field(1, 'values_int64s')
        .packed(8, names as number[])
        .int(20, ATTRIBUTE_INTS),
    );
  } else return floatNames(encoder, names);
  return { nodes: [encoder], initializers: [] };
}

function floatNames(encoder: Message, names: readonly ClassName[]): Part {
  const bytes = new Uint8Array(Float32Array.from(names as number[]).buffer);
  encoder.field(5, new Message().field(1, 'values_floats').field(7, bytes).int(20, ATTRIBUTE_FLOATS));
  return { nodes: [encoder], initializers: [] };
}

/** What a reader of the file should know first: what it computes, from what, to what. */
function docString(model: Sequential, head: HeadPart): string {
  const layers = model.layers.map((l) => `Dense(${l.units}, ${l.activation})`).join(' → ');
  return (
    `${head.says.model} from gradwasm ${gradwasmVersion()}: ${model.scaler ? 'StandardScaler → ' : ''}${layers}. ` +
    `Input features [batch, ${model.inputs}], raw${model.scaler ? ' (the scaler is inside)' : ''}; outputs ${head.says.outputs}` +
    (model.classNames ? `; label is then the class by its name (${JSON.stringify(model.classNames)}), through ai.onnx.ml's LabelEncoder.` : '.')
  );
}

/**
 * The model as an ONNX file (opset 13): input `features` [batch, inputs] of raw features (a
 * scaler, if the model has one, is the graph's first nodes), outputs `label` int64 [batch] (the
 * class's name — string, int64 or float — through ai.onnx.ml's LabelEncoder when the model knows
 * its classes' names), `probabilities` [batch, 2] and `probability` [batch, 1] (a softmax of k:
 * `label` and `probabilities` [batch, k]). Kernels and biases are stored as they
 * are (float32); the scaler is applied in float32 — its mean subtracted as a float32 pair (high part,
 * then low), then divided by the scale — so predictions agree with `predictProba` to within 1e-6 rather than to the last bit.
 */
export function toOnnx(model: Sequential): Uint8Array {
  if (!(model instanceof Sequential)) throw new OptionError('model', `model must be a Sequential, got ${describe(model)}`);
  const names = model.classNames;
  const head = HEAD_PARTS[model.task](model, names ? 'label_index' : 'label');
  const parts = [...(model.scaler ? [scalerPart(model.scaler)] : []), densePart(model, model.scaler ? 'scaled' : 'features'), head];
  if (names) parts.push(classNamesPart(names));
  const graph = new Message();
  for (const n of parts.flatMap((p) => p.nodes)) graph.field(1, n);
  graph.field(2, 'gradwasm');
  for (const t of parts.flatMap((p) => p.initializers)) graph.field(5, t);
  graph.field(11, valueInfo('features', FLOAT, [model.inputs]));
  if (model.task !== 'regression') graph.field(12, valueInfo('label', names ? classType(names) : INT64, []));
  for (const output of head.outputs) graph.field(12, output);
  const file = new Message()
    .int(1, IR_VERSION)
    .field(2, 'gradwasm') // producer_name
    .field(3, gradwasmVersion()) // producer_version
    .field(6, docString(model, head))
    .field(7, graph)
    .field(8, new Message().field(1, '').int(2, ONNX_OPSET));
  if (names) file.field(8, new Message().field(1, ML_DOMAIN).int(2, ML_OPSET));
  // metadata_props: StringStringEntryProto { key = 1, value = 2 }
  if (model.featureNames) file.field(14, new Message().field(1, 'features').field(2, JSON.stringify(model.featureNames)));
  if (model.labelName !== null) file.field(14, new Message().field(1, 'label').field(2, model.labelName));
  return file.finish();
}
