// `gradwasm export model.json --onnx out.onnx --tfjs dir`: a saved model in the formats other
// tools read — ONNX (onnxruntime, and every ONNX tool) and TensorFlow.js Layers.
import { GradwasmError } from '../errors.js';
import { toOnnx } from '../onnx.js';
import { saveTfjsLayers } from '../node/index.js';
import { checkOutput, loadModel, writeAtomically } from './files.js';

export async function exportCommand(modelPath: string, o: { onnx?: string; tfjs?: string }, print: (line: string) => void): Promise<void> {
  if (o.onnx === undefined && o.tfjs === undefined) throw new GradwasmError('--onnx', 'export needs --onnx <file.onnx>, --tfjs <directory> or both');
  const inputs = [{ path: modelPath, what: 'the model' }];
  const onnx = o.onnx === undefined ? null : await checkOutput(o.onnx, '--onnx', inputs);
  const model = await loadModel(modelPath, 'wasm', 1);
  try {
    if (onnx) {
      await writeAtomically(onnx, toOnnx(model));
      print(`${modelPath} → ${o.onnx} (ONNX, opset 13: input "features" [batch, ${model.inputs}], output "probability" [batch, 1]${model.scaler ? ', the scaler inside' : ''})`);
    }
    if (o.tfjs !== undefined) {
      const files = await saveTfjsLayers(model, o.tfjs);
      print(`${modelPath} → ${files.modelJson} and ${files.weightsBin} (TensorFlow.js Layers${model.scaler ? ', the scaler folded into the first layer' : ''})`);
    }
  } finally {
    model.dispose();
  }
}
