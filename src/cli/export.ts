// `gradwasm export model.json --onnx out.onnx --tfjs dir`: a saved model in the formats other
// tools read — ONNX (onnxruntime, and every ONNX tool) and TensorFlow.js Layers.
import { join } from 'node:path';
import { OptionError } from '../core/errors.js';
import { saveOnnx, saveTfjsLayers } from '../node/index.js';
import { checkDistinct, checkOutput, loadModel, type Input, type Output } from './files.js';

export async function exportCommand(modelPath: string, o: { onnx?: string; tfjs?: string }, print: (line: string) => void): Promise<void> {
  if (o.onnx === undefined && o.tfjs === undefined) throw new OptionError('--onnx', 'export needs --onnx <file.onnx>, --tfjs <directory> or both');
  const inputs = [{ path: modelPath, what: 'the model' }];
  // every file is checked before any is written: against the model, and against each other
  const onnx = o.onnx === undefined ? null : await checkOutput(o.onnx, '--onnx', inputs);
  const tfjs = o.tfjs === undefined ? [] : await tfjsOutputs(o.tfjs, inputs);
  checkDistinct([onnx, ...tfjs]);
  const model = await loadModel(modelPath, 'wasm', 1);
  try {
    if (o.onnx !== undefined) {
      await saveOnnx(model, o.onnx);
      print(
        `${modelPath} → ${o.onnx} (ONNX, opset 13: input "features" [batch, ${model.inputs}], outputs "label" [batch], "probabilities" [batch, 2], "probability" [batch, 1]${model.scaler ? ', the scaler inside' : ''})`,
      );
    }
    if (o.tfjs !== undefined) {
      const files = await saveTfjsLayers(model, o.tfjs);
      print(
        `${modelPath} → ${files.modelJson} and ${files.weightsBin} (TensorFlow.js Layers${model.scaler ? ', the scaler folded into the first layer' : ''})`,
      );
    }
  } finally {
    model.dispose();
  }
}

/** The two files saveTfjsLayers writes into `directory`, checked as outputs of --tfjs. */
async function tfjsOutputs(directory: string, inputs: readonly Input[]): Promise<Output[]> {
  const check = (name: string) => checkOutput(join(directory, name), '--tfjs', inputs, `--tfjs ${directory} (its ${name})`);
  return [await check('weights.bin'), await check('model.json')];
}
