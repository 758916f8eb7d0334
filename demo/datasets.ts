// The playground's datasets, generated from a seed (the same seed gives the same points on every
// machine): two moons, circles, XOR and a two-arm spiral of two classes, three blobs and three
// spirals of three, all inside about [-1, 1]²; and two regressions — a noisy curve y(x) and a
// surface y(x₁, x₂) — whose targets stay within about [-1, 1].
import { Xoshiro128 } from '../src/core/prng.js';

/** Each dataset's title, its classes (0: a regression, real-valued targets) and its features per point. */
export const DATASETS = {
  moons: { title: 'Two moons', classes: 2, inputs: 2 },
  circles: { title: 'Circles', classes: 2, inputs: 2 },
  xor: { title: 'XOR', classes: 2, inputs: 2 },
  spiral: { title: 'Spiral', classes: 2, inputs: 2 },
  blobs: { title: 'Three blobs', classes: 3, inputs: 2 },
  spirals3: { title: 'Three spirals', classes: 3, inputs: 2 },
  curve: { title: 'Curve', classes: 0, inputs: 1 },
  surface: { title: 'Surface', classes: 0, inputs: 2 },
} as const;
export type DatasetName = keyof typeof DATASETS;

/** n points: x holds their features (`inputs` per point: x, or (x₁, x₂)), row-major; y their
 *  classes 0 … classes − 1, or (classes 0) their targets. */
export interface Points {
  x: Float32Array;
  y: Float32Array;
  n: number;
  classes: number;
  inputs: number;
}

/** Seeded uniform floats in [0, 1) (gradwasm's own xoshiro128**). */
function uniform(seed: number): () => number {
  const rng = new Xoshiro128(seed);
  return () => rng.nextUnit();
}

/** `n` points of `name`, each coordinate jittered by Gaussian noise of standard deviation `noise`. */
export function generate(name: DatasetName, n: number, noise: number, seed: number): Points {
  const rand = uniform(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()); // Box–Muller
  const { classes, inputs } = DATASETS[name];
  if (classes === 0) return targets(name, n, noise, rand, gauss);
  const x = new Float32Array(2 * n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % classes; // classes take turns: balanced, and any prefix is a fair sample
    let p: [number, number];
    if (name === 'moons') {
      // scikit-learn's moons — an upper arc and a lower arc, interlocked — centred and scaled by 1/1.6
      const t = Math.PI * rand();
      p = label === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
      p = [(p[0] - 0.5) / 1.6, (p[1] - 0.25) / 1.6];
    } else if (name === 'circles') {
      // a disc of class 1 inside a ring of class 0
      const r = label === 1 ? 0.5 * Math.sqrt(rand()) : 0.7 + 0.3 * rand();
      const t = 2 * Math.PI * rand();
      p = [r * Math.cos(t), r * Math.sin(t)];
    } else if (name === 'xor') {
      // class 1 where x₁ and x₂ have the same sign; points kept 0.05 away from the axes
      const a = 0.05 + 0.95 * rand(),
        b = 0.05 + 0.95 * rand();
      const sa = rand() < 0.5 ? -1 : 1;
      const sb = label === 1 ? sa : -sa;
      p = [sa * a, sb * b];
    } else if (name === 'spiral') {
      // two interleaved arms, each turning 1.75 times around the centre
      const s = rand();
      const t = 1.75 * 2 * Math.PI * s + (label === 1 ? 0 : Math.PI);
      p = [s * Math.sin(t), s * Math.cos(t)];
    } else if (name === 'blobs') {
      // three round clusters (standard deviation 0.2) whose centres sit 0.55 from the origin, 120° apart
      const a = Math.PI / 2 + (2 * Math.PI * label) / 3;
      p = [0.55 * Math.cos(a) + 0.2 * gauss(), 0.55 * Math.sin(a) + 0.2 * gauss()];
    } else {
      // three interleaved arms, 120° apart, each turning once around the centre
      const s = rand();
      const t = 2 * Math.PI * s + (2 * Math.PI * label) / 3;
      p = [s * Math.sin(t), s * Math.cos(t)];
    }
    x[2 * i] = p[0] + noise * gauss();
    x[2 * i + 1] = p[1] + noise * gauss();
    y[i] = label;
  }
  return { x, y, n, classes, inputs };
}

/** A regression's points: the curve y = 0.7·sin(3x), or the surface y = 0.8·sin(2x₁)·cos(1.5x₂),
 *  with x uniform in [-1, 1] (each coordinate) and Gaussian noise of 2·`noise` on y. */
function targets(name: DatasetName, n: number, noise: number, rand: () => number, gauss: () => number): Points {
  const inputs = DATASETS[name].inputs;
  const x = new Float32Array(inputs * n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = 2 * rand() - 1;
    if (inputs === 1) {
      x[i] = a;
      y[i] = 0.7 * Math.sin(3 * a) + 2 * noise * gauss();
    } else {
      const b = 2 * rand() - 1;
      x[2 * i] = a;
      x[2 * i + 1] = b;
      y[i] = 0.8 * Math.sin(2 * a) * Math.cos(1.5 * b) + 2 * noise * gauss();
    }
  }
  return { x, y, n, classes: 0, inputs };
}

/** The first `n − testRows` points for training, the rest for testing (the points come in random order). */
export function split(points: Points, testFraction: number): { train: Points; test: Points } {
  const testRows = Math.round(points.n * testFraction);
  const cut = points.n - testRows;
  const { classes, inputs } = points;
  return {
    train: { x: points.x.slice(0, inputs * cut), y: points.y.slice(0, cut), n: cut, classes, inputs },
    test: { x: points.x.slice(inputs * cut), y: points.y.slice(cut), n: testRows, classes, inputs },
  };
}
