// Threads under faults (docs/architecture.md §6.5): a part that traps, a thread that dies, an
// exception in the leader, a model disposed while it trains. Each runs in a process of its own
// (test/support/scenario.ts): a lost wake-up would block its thread inside the core for good.
import { describe, expect, it } from 'vitest';
import { FAILED_DEATH, FAILED_PART } from '../src/backend/wasm/contract.js';
import { stepFailure } from '../src/backend/wasm/threads.js';
import { runScenario } from './support/scenario.js';

describe('what stopped a step, as the leader tells it', () => {
  it("a part that failed on a thread of the pool, a thread that died, or — when no part failed — the caller's own exception", () => {
    expect(stepFailure(FAILED_PART)).toBe('part');
    expect(stepFailure(FAILED_DEATH)).toBe('death');
    // (the leader's own trap was told as "a trap on a thread of the pool")
    expect(stepFailure(0)).toBeNull();
  });
});

describe('a part that traps in a step shared between threads', () => {
  type Traps = { iterations: number; traps: number; errors: number; same: number };

  it("reading past the end of memory in its later rows, 500 times beside two busy processes: a GradwasmError each time, never a hang, another model's bits unchanged", async () => {
    const run = await runScenario<Traps>('trap-in-step', ['bounds', '500', '2'], 150_000);
    expect(run.hung, run.stderr).toBe(false);
    expect(run.result, run.stderr).toEqual({ iterations: 500, traps: 500, errors: 500, same: 500 });
  }, 180_000);

  it("a fault injected into a worker's part, 300 times beside two busy processes: the same", async () => {
    const run = await runScenario<Traps>('trap-in-step', ['injected', '300', '2'], 150_000);
    expect(run.hung, run.stderr).toBe(false);
    const r = run.result!;
    expect(r, run.stderr).toMatchObject({ iterations: 300, same: 300 });
    expect(r.errors).toBe(r.traps);
    // (a worker that arrives after the leader took all its parts has nothing to trap in)
    expect(r.traps).toBeGreaterThan(30);
  }, 180_000);
});

describe('a model disposed inside its own fit', () => {
  it.each([1, 2])(
    'with %i thread(s): another model created and trained then ends exactly as it does alone',
    async (threads) => {
      const run = await runScenario<{ awaited: unknown; concurrent: unknown; untouched: boolean }>('dispose-in-fit', [String(threads)], 60_000);
      expect(run.hung, run.stderr).toBe(false);
      const outcome = { first: 'the model was disposed while fitting', same: true };
      expect(run.result, run.stderr).toEqual({ awaited: outcome, concurrent: outcome, untouched: true });
    },
    90_000,
  );
});

describe('an exception other than a trap inside the core', () => {
  it('a stack overflow in the middle of a shared step: the model broken (a GradwasmError when there is stack left to make one), the step settled, other bits unchanged', async () => {
    const run = await runScenario<Record<string, number | boolean>>('exception-in-step', [], 90_000);
    expect(run.hung, run.stderr).toBe(false);
    const r = run.result!;
    expect(r, run.stderr).toMatchObject({ wrong: 0, otherChanged: 0, last: true });
    expect(r.inCore).toBeGreaterThanOrEqual(5);
    expect(r.gradwasmErrors).toBeGreaterThan(0);
    expect(r.ok).toBeGreaterThan(0);
  }, 120_000);
});

describe('a thread of the pool that dies in the middle of a step', () => {
  it('fails that call with a GradwasmError and breaks its model; the next model gets a new pool that works — three times over', async () => {
    type Death = { message: string; brokenAfter: boolean; attempts: number; nextSame: boolean; nextWorkerParts: number };
    const run = await runScenario<{ outcomes: Death[] }>('worker-death', ['3'], 60_000);
    expect(run.hung, run.stderr).toBe(false);
    expect(run.result?.outcomes, run.stderr).toHaveLength(3);
    for (const death of run.result!.outcomes) {
      expect(death.message).toMatch(
        /^a thread of the pool stopped \(terminated, or out of memory\) in the middle of this model's step: its memory can no longer be trusted/,
      );
      expect(death).toMatchObject({ brokenAfter: true, nextSame: true });
      expect(death.nextWorkerParts).toBeGreaterThan(0);
    }
  }, 90_000);
});
