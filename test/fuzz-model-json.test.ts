// Hostile model files: valid saved models, mutated at random (wrong types, huge or negative
// sizes, NaN, missing and extra fields, prototype-pollution keys, truncated or corrupted text).
// Every input must either load a model that works or throw GradwasmError — never another
// exception, a WebAssembly trap or a hang. FUZZ_SEED=… replays a run; FUZZ_RUNS=… runs more.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GradwasmError, Sequential, dense, type Activation } from '../src/index.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 6000); // per backend
const SEED = Number(process.env.FUZZ_SEED ?? 20261127);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every place in a JSON tree: the path of keys and the value there. */
function places(value: Json, path: (string | number)[] = [], out: { path: (string | number)[]; value: Json }[] = []) {
  out.push({ path, value });
  if (Array.isArray(value)) value.forEach((v, i) => places(v, [...path, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) places(v, [...path, k], out);
  return out;
}

function parentOf(root: Json, path: (string | number)[]): Record<string | number, unknown> | null {
  let node: unknown = root;
  for (const key of path.slice(0, -1)) node = (node as Record<string | number, unknown>)[key];
  return node && typeof node === 'object' ? (node as Record<string | number, unknown>) : null;
}

const hostileValue = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -1, 0, -0, 1.5, 1e300, 2 ** 31, 2 ** 32, 2 ** 53, Number.MAX_VALUE, 65536, 65537, 3.4e38, 3.5e38),
  fc.constantFrom(null, true, false, '', '1', 'relu', 'softmax', 'gradwasm-model', [], {}, [NaN], [1, 2, 3], { length: 3 }),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 8 }),
  fc.array(fc.double(), { maxLength: 5 }),
);

type Mutation = (root: Json) => Json;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), hostileValue).map(([pick, v]): Mutation => (root) => {
    const all = places(root);
    const { path } = all[pick % all.length]!;
    if (path.length === 0) return structuredClone(v) as Json;
    parentOf(root, path)![path.at(-1)!] = structuredClone(v); // fresh: a shared value could make a cycle
    return root;
  }),
  fc.nat().map((pick): Mutation => (root) => {
    const all = places(root).filter((p) => p.path.length > 0);
    if (all.length === 0) return root;
    const { path } = all[pick % all.length]!;
    const parent = parentOf(root, path)!;
    if (Array.isArray(parent)) parent.splice(path.at(-1) as number, 1);
    else delete parent[path.at(-1)!];
    return root;
  }),
  fc
    .tuple(fc.nat(), fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', 'polluted', 'toString'), hostileValue)
    .map(([pick, key, v]): Mutation => (root) => {
      const objects = places(root).filter((p) => p.value && typeof p.value === 'object' && !Array.isArray(p.value));
      if (objects.length === 0) return root;
      const target = objects[pick % objects.length]!.value as Record<string, unknown>;
      Object.defineProperty(target, key, {
        value: key === '__proto__' ? { polluted: true } : structuredClone(v),
        enumerable: true,
        configurable: true,
        writable: true,
      });
      return root;
    }),
);

// Text-level damage: the model goes through JSON.stringify, then is cut or corrupted.
const textDamage = fc.oneof(
  fc.constant((t: string) => t),
  fc.nat().map((n) => (t: string) => t.slice(0, n % (t.length + 1))),
  fc.tuple(fc.nat(), fc.constantFrom('"', '{', ']', ',', 'x', '\u0000', '-', 'e', '9')).map(
    ([n, c]) =>
      (t: string) =>
        t.slice(0, n % t.length) + c + t.slice((n % t.length) + 1),
  ),
  fc.constant((t: string) => t.replace(/"__proto_x"/g, '"__proto__"')),
);

/** Load with `load`: a GradwasmError counts as refused; a model must predict a probability. */
async function loadOrRefuse(load: () => Promise<Sequential>): Promise<'loaded' | 'refused'> {
  let model: Sequential;
  try {
    model = await load();
  } catch (error) {
    if (!(error instanceof GradwasmError)) throw error;
    return 'refused';
  }
  const row = new Float32Array(model.inputs).fill(0.5);
  if (model.isTask('regression')) expect(Number.isFinite(model.predict(row)[0])).toBe(true);
  else {
    const p = model.predictProba(row);
    expect(p[0]).toBeGreaterThanOrEqual(0);
    expect(p[0]).toBeLessThanOrEqual(1);
  }
  model.dispose();
  return 'loaded';
}

async function baseModel(backend: 'wasm' | 'js', inputs: number, hidden: number[], act: Activation): Promise<Json> {
  const model = await Sequential.create({ inputs, layers: [...hidden.map((u) => dense(u, act)), dense(1, 'sigmoid')], seed: inputs, backend });
  const json = JSON.parse(JSON.stringify(model)) as Json;
  model.dispose();
  return json;
}

describe.each(['wasm', 'js'] as const)('fuzzed model files on the %s backend', (backend) => {
  it(`load a working model or throw GradwasmError (${RUNS} cases)`, async () => {
    const bases: Json[] = [await baseModel(backend, 1, [], 'linear'), await baseModel(backend, 3, [2], 'relu'), await baseModel(backend, 2, [3, 2], 'tanh')];
    let loaded = 0,
      refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat(bases.length - 1),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        textDamage,
        async (which, mutations, asText, damage) => {
          let json: Json = structuredClone(bases[which]!) as Json;
          for (const m of mutations) json = m(json);
          const input = asText ? damage(JSON.stringify(json)) : json;
          if ((await loadOrRefuse(() => Sequential.fromJSON(input as never, { backend }))) === 'loaded') loaded++;
          else refused++;
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    console.log(`${backend}: ${RUNS} fuzzed model files, ${loaded} loaded and predicted, ${refused} refused with GradwasmError`);
    expect(loaded + refused).toBe(RUNS);
    expect(refused).toBeGreaterThan(RUNS / 2);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 120_000);
});

// The same for TensorFlow.js Layers files: model.json mutated as above, weights.bin cut short,
// lengthened or overwritten with NaN/∞ bit patterns.
describe.each(['wasm', 'js'] as const)('fuzzed TF.js Layers files on the %s backend', (backend) => {
  const TF_RUNS = Math.round(RUNS / 3);
  it(`load a working model or throw GradwasmError (${TF_RUNS} cases)`, async () => {
    const { toTfjsLayers, fromTfjsLayers } = await import('../src/index.js');
    const models = [
      await Sequential.create({ inputs: 3, layers: [dense(2, 'relu'), dense(1, 'sigmoid')], seed: 1, backend }),
      await Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], seed: 2, backend }),
    ];
    const bases = models.map((m) => toTfjsLayers(m));
    models.forEach((m) => m.dispose());
    const binDamage = fc.oneof(
      fc.constant((b: Uint8Array) => b),
      fc.nat().map((n) => (b: Uint8Array) => b.slice(0, n % (b.length + 1))),
      fc.constant((b: Uint8Array) => Uint8Array.from([...b, 0, 0, 0, 0])),
      fc.tuple(fc.nat(), fc.constantFrom(0x7fc00000, 0x7f800000, 0xff800000, 0x7f7fffff)).map(([n, bits]) => (b: Uint8Array) => {
        const out = b.slice();
        if (out.length >= 4) new DataView(out.buffer).setUint32(4 * (n % (out.length >> 2)), bits, true);
        return out;
      }),
    );
    let loaded = 0,
      refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(bases.length - 1), fc.array(mutation, { minLength: 0, maxLength: 2 }), binDamage, async (which, mutations, damage) => {
        const base = bases[which]!;
        let json: Json = structuredClone(base.modelJson) as unknown as Json;
        for (const m of mutations) json = m(json);
        const bin = damage(new Uint8Array(base.weightsBin));
        if ((await loadOrRefuse(() => fromTfjsLayers(json as never, bin, { backend }))) === 'loaded') loaded++;
        else refused++;
      }),
      { numRuns: TF_RUNS, seed: SEED },
    );
    console.log(`${backend}: ${TF_RUNS} fuzzed TF.js model files, ${loaded} loaded and predicted, ${refused} refused with GradwasmError`);
    expect(loaded + refused).toBe(TF_RUNS);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 120_000);
});
