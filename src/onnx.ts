// A model as ONNX (opset 13): a protobuf that onnxruntime — web, node, Python, C++ — and every
// ONNX tool load. The encoding is the few protobuf wire types ONNX needs, written here (varints,
// length-delimited fields, little-endian float32 data), so nothing is added to the library.
// The graph: the input `features` [batch, inputs] (batch a dynamic dimension); the model's scaler,
// if any, as Sub (mean) and Mul (1 / scale) nodes in front, so the file takes raw features; one
// Gemm per dense layer and its activation (Relu, Tanh, Sigmoid; linear has none); the output
// `probability` [batch, 1], P(Y=1). A model that knows its column names carries them as
// metadata (`features`, a JSON array in input order, and `label`), which onnxruntime's
// `custom_metadata_map` shows.
import { concatBytes } from './bytes.js';
import { describe } from './checks.js';
import { GradwasmError } from './errors.js';
import type { Activation } from './layers.js';
import { Sequential } from './sequential.js';

/** The ONNX operator set the file uses: the default domain at version 13 (IR version 7). */
export const ONNX_OPSET = 13;
const IR_VERSION = 7;
const FLOAT = 1; // TensorProto.DataType.FLOAT

const OPERATOR: Record<Activation, string | null> = { linear: null, relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid' };

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


/** TensorProto: a named float32 initializer of shape `dims`, its data raw little-endian. */
function tensor(name: string, dims: readonly number[], values: ArrayLike<number>): Message {
  const raw = new DataView(new ArrayBuffer(4 * values.length));
  for (let i = 0; i < values.length; i++) raw.setFloat32(4 * i, values[i]!, true);
  return new Message().packed(1, dims).int(2, FLOAT).field(8, name).field(9, new Uint8Array(raw.buffer));
}

/** ValueInfoProto: a float32 tensor named `name` of shape [batch, width], batch dynamic. */
function valueInfo(name: string, width: number): Message {
  const shape = new Message()
    .field(1, new Message().field(2, 'batch')) // dim_param
    .field(1, new Message().int(1, width)); // dim_value
  return new Message().field(1, name).field(2, new Message().field(1, new Message().int(1, FLOAT).field(2, shape)));
}

/** NodeProto: `op` from `inputs` to one output, named after it. */
function node(op: string, inputs: readonly string[], output: string): Message {
  const m = new Message();
  for (const i of inputs) m.field(1, i);
  return m.field(2, output).field(3, output).field(4, op);
}

/**
 * The model as an ONNX file (opset 13): input `features` [batch, inputs] of raw features (a
 * scaler, if the model has one, is the graph's first nodes: Sub of its mean, Mul by 1 / scale),
 * output `probability` [batch, 1]. Kernels and biases are stored as they are (float32); the
 * scaler's 1 / scale is rounded to float32, so predictions agree with `predictProba` to about
 * 1e-7 rather than to the last bit.
 */
export function toOnnx(model: Sequential): Uint8Array {
  if (!(model instanceof Sequential)) throw new GradwasmError('model', `model must be a Sequential, got ${describe(model)}`);
  const graph = new Message();
  const nodes: Message[] = [], initializers: Message[] = [];
  let current = 'features';
  const scaler = model.scaler;
  if (scaler) {
    initializers.push(tensor('scaler_mean', [model.inputs], scaler.mean), tensor('scaler_inverse_scale', [model.inputs], Array.from(scaler.scale, (s) => 1 / s)));
    nodes.push(node('Sub', [current, 'scaler_mean'], 'centered'), node('Mul', ['centered', 'scaler_inverse_scale'], 'scaled'));
    current = 'scaled';
  }
  const weights = model.getWeights();
  let fanIn = model.inputs;
  model.layers.forEach(({ units, activation }, l) => {
    const last = l === model.layers.length - 1;
    const name = `dense_${l + 1}`;
    initializers.push(tensor(`${name}_kernel`, [fanIn, units], weights[l]!.weights), tensor(`${name}_bias`, [units], weights[l]!.bias));
    const op = OPERATOR[activation];
    const z = op ? `${name}_z` : last ? 'probability' : `${name}_out`;
    nodes.push(node('Gemm', [current, `${name}_kernel`, `${name}_bias`], z));
    current = z;
    if (op) {
      const out = last ? 'probability' : `${name}_out`;
      nodes.push(node(op, [z], out));
      current = out;
    }
    fanIn = units;
  });
  for (const n of nodes) graph.field(1, n);
  graph.field(2, 'gradwasm');
  for (const t of initializers) graph.field(5, t);
  graph.field(11, valueInfo('features', model.inputs)).field(12, valueInfo('probability', 1));
  const file = new Message()
    .int(1, IR_VERSION)
    .field(2, 'gradwasm')
    .field(7, graph)
    .field(8, new Message().field(1, '').int(2, ONNX_OPSET));
  // metadata_props: StringStringEntryProto { key = 1, value = 2 }
  if (model.featureNames) file.field(14, new Message().field(1, 'features').field(2, JSON.stringify(model.featureNames)));
  if (model.labelName !== null) file.field(14, new Message().field(1, 'label').field(2, model.labelName));
  return file.finish();
}
