// The WebAssembly contract (docs/architecture.md §2.3): assembly/contract.ts, src/core/codes.ts and
// src/backend/wasm/contract.ts are what scripts/contract.mjs generates from its tables, and what
// src/ keeps outside them — the public list of activations, the optimizers' mapping, asconfig.json's
// memory — says the same as the tables. (The codes and limits src/ checks options against are
// imported from the generated files, so there is no copy left to compare.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generate } from '../scripts/contract.mjs';
import { ACTIVATIONS } from '../src/network/layers.js';
import { optimizerParameters } from '../src/network/optimizers.js';
import {
  ACTIVATION_CODE,
  HEADER_BYTES,
  MEMORY_INITIAL_PAGES,
  MEMORY_MAXIMUM_PAGES,
  OPTIMIZER_CODE,
  RECORD_BYTES,
  STATE_COPIES,
  STATE_COPIES_BY_CODE,
} from '../src/backend/wasm/contract.js';
import { loadTestCore } from './support/test-core.js';

describe('the generated contract', () => {
  it.each(generate())('%s is what scripts/contract.mjs generates (else: run npm run contract)', (path, text) => {
    const committed = readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
    expect(committed === text, `${path} differs from what scripts/contract.mjs generates: run npm run contract`).toBe(true);
  });
});

describe('what src/ keeps outside the generated files agrees with the tables', () => {
  it('the activations, in the order of their codes', () => {
    expect(Object.keys(ACTIVATION_CODE)).toEqual([...ACTIVATIONS]);
  });

  it("the optimizers' codes, and the state each keeps", () => {
    expect(optimizerParameters({ type: 'sgd' }).kind).toBe(OPTIMIZER_CODE.sgd);
    expect(optimizerParameters({ type: 'momentum', momentum: 0.9, nesterov: false }).kind).toBe(OPTIMIZER_CODE.momentum);
    expect(optimizerParameters({ type: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }).kind).toBe(OPTIMIZER_CODE.adam);
    for (const [type, code] of Object.entries(OPTIMIZER_CODE)) expect(STATE_COPIES_BY_CODE[code]).toBe(STATE_COPIES[type as keyof typeof STATE_COPIES]);
  });

  it("the core's memory", () => {
    const asconfig = JSON.parse(readFileSync(new URL('../asconfig.json', import.meta.url), 'utf8')) as {
      options: { initialMemory: number; maximumMemory: number };
    };
    expect([asconfig.options.initialMemory, asconfig.options.maximumMemory]).toEqual([MEMORY_INITIAL_PAGES, MEMORY_MAXIMUM_PAGES]);
  });
});

/** The functions an export type of src/backend/wasm/contract.ts names, and how many arguments each takes. */
function declared(type: 'CoreExports' | 'ThreadedExports'): Record<string, number> {
  const text = generate().find(([path]) => path === 'src/backend/wasm/contract.ts')![1];
  const body = text.slice(text.indexOf(`export type ${type} =`));
  const entries = [...body.slice(0, body.indexOf('\n};')).matchAll(/^ {2}(\w+)\(([^)]*)\): /gm)].map(
    (m) => [m[1]!, m[2] ? m[2].split(',').length : 0] as const,
  );
  return Object.fromEntries(entries);
}

/** The functions a core exports, and how many arguments each takes. */
function functions(exports: WebAssembly.Exports): Record<string, number> {
  return Object.fromEntries(
    Object.entries(exports)
      .filter(([, v]) => typeof v === 'function')
      .map(([name, f]) => [name, (f as () => void).length]),
  );
}

describe('the core was built from the tables', () => {
  it('exports what CoreExports and ThreadedExports say, with as many arguments', async () => {
    const bytes = (file: string) => readFileSync(new URL(`../build/${file}`, import.meta.url));
    const single = await WebAssembly.instantiate(bytes('gradwasm.wasm'));
    const memory = new WebAssembly.Memory({ initial: MEMORY_INITIAL_PAGES, maximum: MEMORY_MAXIMUM_PAGES, shared: true });
    const threaded = await WebAssembly.instantiate(bytes('gradwasm.threads.wasm'), { env: { memory, now: () => performance.now() } });
    expect(functions(single.instance.exports)).toEqual(declared('CoreExports'));
    expect(functions(threaded.instance.exports)).toEqual({ ...declared('CoreExports'), ...declared('ThreadedExports') });
  });

  it('its descriptor has the size the tables give it', async () => {
    const core = await loadTestCore();
    for (const layers of [0, 1, 3, 100]) expect(core.exports.modelBytes(layers)).toBe(HEADER_BYTES + layers * RECORD_BYTES);
  });
});
