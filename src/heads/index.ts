// The heads gradwasm knows, and which one a network ends in. A new head registers here.
import { DataError } from '../core/errors.js';
import { binary } from './binary.js';
import { regression } from './regression.js';
import { softmax } from './softmax.js';
import type { Head, OutputLayer } from './head.js';

export type { Head, OutputLayer, PassMetrics, PassOutputs, Task } from './head.js';

const HEADS: readonly Head[] = [binary, softmax, regression];

/** The head a network whose last layer is `last` ends in, if any. */
export function findHead(last: OutputLayer): Head | undefined {
  return HEADS.find((h) => h.ends(last));
}

/** The head a network whose layers are `layers` ends in; a DataError naming `argument` when none. */
export function headOf(argument: string, layers: readonly OutputLayer[]): Head {
  const last = layers[layers.length - 1]!;
  const hidden = layers.findIndex((l, i) => i < layers.length - 1 && l.activation === 'softmax');
  if (hidden >= 0) {
    throw new DataError(`${argument}[${hidden}].activation`, `${argument}[${hidden}] is a hidden layer: 'softmax' is for the last layer only`);
  }
  const head = findHead(last);
  if (!head) {
    throw new DataError(
      argument,
      `the last layer of ${argument} must be ${HEADS.slice(0, -1)
        .map((h) => h.outputLayer)
        .join(', ')} or ${HEADS.at(-1)!.outputLayer}, got dense(${last.units}, '${last.activation}')`,
    );
  }
  return head;
}
