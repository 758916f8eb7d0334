// A network as numbers, apart from how they are computed: its architecture (features and dense
// layers in order), each layer's parameters, and the training state beside them, as the model,
// its file and the backends pass them.
import type { RngState } from '../core/prng.js';
import type { Activation } from './layers.js';

/** One dense layer's parameters: kernel (inputs×units, row-major) and bias (units). */
export interface LayerParameters {
  weights: Float32Array;
  bias: Float32Array;
}

/** The architecture: feature count and the dense layers in order. */
export interface Architecture {
  readonly inputs: number;
  readonly layers: readonly { readonly units: number; readonly activation: Activation }[];
}

/** One layer's kernel (inputs × units, row-major) and bias. */
export interface LayerWeights {
  weights: Float32Array;
  bias: Float32Array;
}

/** Mean-BCE gradients: ∂L/∂W and ∂L/∂b per layer. */
export interface Gradients {
  loss: number;
  layers: LayerWeights[];
}

/** The training state beside the parameters, in numbers that survive JSON exactly: what a
 *  checkpoint saves so that training resumes as if it had never stopped. */
export interface TrainingState {
  /** The shuffling generator. */
  rng: RngState;
  /** Adam's β1ᵗ, β2ᵗ for the next step (float32 values; 0 for other optimizers). */
  powers: [number, number];
  /** The exploding-loss rule: the recent loss and the reference (NaN: none yet). */
  recentLoss: number;
  lossReference: number;
  /** The optimizer's blocks, laid out as the parameters: momentum's velocity, or Adam's m and v. */
  moments: LayerParameters[][];
}
