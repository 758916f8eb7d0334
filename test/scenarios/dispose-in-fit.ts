// A model disposed from its own onEpochEnd (a component unmounting), then another created and
// trained — awaited inside that callback, or left to run while the first fit unwinds. The second
// model's history and weights must be those it has alone, and a model that only watches (created
// first, so that it lies lowest in memory) must predict the same bits after as before.
import { GradwasmError, Sequential, dense, type History, type LayerWeights } from '../../src/index.js';
import { labels, uniform } from '../support/random.js';

const threads = Number(process.argv[2] ?? 1);
const inputs = 64,
  rows = 600;
const x = { data: uniform(1, rows * inputs), rows, cols: inputs };
const y = labels(2, rows);
const spec = { inputs, layers: [dense(48, 'relu'), dense(1, 'sigmoid')], threads };
// full batches of 600 rows: summed in blocks of 256 through the partial sums the descriptor points to
const fitB = { epochs: 30, learningRate: 0.05, optimizer: 'adam' as const };
const bits = (h: History, w: LayerWeights[]): string =>
  JSON.stringify([h, w.map((l) => [...new Uint32Array(l.weights.buffer)].concat([...new Uint32Array(l.bias.buffer)]))]);

const bystander = await Sequential.create({ ...spec, seed: 11 });
const watched = [...bystander.predictProba(x)];

const alone = await Sequential.create({ ...spec, seed: 7 });
const expected = bits(await alone.fit(x, y, fitB), alone.getWeights());
alone.dispose();

const outcomes: Record<string, unknown> = {};
for (const mode of ['awaited', 'concurrent']) {
  const first = await Sequential.create({ ...spec, seed: 3 });
  let second: Promise<string> | null = null;
  const firstFit = first
    .fit(x, y, {
      epochs: 5,
      learningRate: 0.05,
      onEpochEnd: async ({ epoch }) => {
        if (epoch !== 1) return;
        first.dispose();
        const b = await Sequential.create({ ...spec, seed: 7 });
        // concurrent: the first fit unwinds once the second has loaded its rows and trained an epoch
        let trained!: () => void;
        const firstEpoch = new Promise<void>((resolve) => (trained = resolve));
        second = b.fit(x, y, { ...fitB, onEpochEnd: () => trained() }).then((h) => bits(h, b.getWeights()));
        await (mode === 'awaited' ? second : firstEpoch);
      },
    })
    .then(
      () => 'resolved',
      (e: unknown) => (e instanceof GradwasmError ? e.message : `not a GradwasmError: ${String(e)}`),
    );
  const firstOutcome = await firstFit;
  const secondBits = await (second as Promise<string> | null);
  outcomes[mode] = { first: firstOutcome, same: secondBits === expected };
}
const untouched = [...bystander.predictProba(x)].every((p, i) => Object.is(p, watched[i]));
console.log(JSON.stringify({ ...outcomes, untouched }));
