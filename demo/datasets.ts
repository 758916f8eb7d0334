// The playground's 2-D datasets, generated from a seed (the same seed gives the same points on
// every machine): two moons, circles, XOR and a two-arm spiral of two classes, three blobs and
// three spirals of three, all inside about [-1, 1]².
import { Xoshiro128 } from '../src/core/prng.js';

export const DATASETS = {
  moons: { title: 'Two moons', classes: 2 },
  circles: { title: 'Circles', classes: 2 },
  xor: { title: 'XOR', classes: 2 },
  spiral: { title: 'Spiral', classes: 2 },
  blobs: { title: 'Three blobs', classes: 3 },
  spirals3: { title: 'Three spirals', classes: 3 },
} as const;
export type DatasetName = keyof typeof DATASETS;

/** n points: x holds (x₁, x₂) pairs, row-major; y their classes 0 … classes − 1. */
export interface Points {
  x: Float32Array;
  y: Float32Array;
  n: number;
  classes: number;
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
  const x = new Float32Array(2 * n);
  const y = new Float32Array(n);
  const { classes } = DATASETS[name];
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
  return { x, y, n, classes };
}

/** The first `n − testRows` points for training, the rest for testing (the points come in random order). */
export function split(points: Points, testFraction: number): { train: Points; test: Points } {
  const testRows = Math.round(points.n * testFraction);
  const cut = points.n - testRows;
  return {
    train: { x: points.x.slice(0, 2 * cut), y: points.y.slice(0, cut), n: cut, classes: points.classes },
    test: { x: points.x.slice(2 * cut), y: points.y.slice(cut), n: testRows, classes: points.classes },
  };
}
