// Threads under faults (docs/architecture.md §6.5): a block that traps, a thread that dies, an
// exception in the leader, a model disposed while it trains. Each runs in a process of its own
// (test/support/scenario.ts): a lost wake-up would block its thread inside the core for good.
import { describe, expect, it } from 'vitest';
import { runScenario } from './support/scenario.js';

describe('a block that traps in a step shared between threads', () => {
  it('fails that call with a GradwasmError, 200 times over, never hangs, and leaves another model\'s bits alone', async () => {
    const run = await runScenario<{ iterations: number; traps: number; errors: number; same: number }>('trap-in-step', ['200'], 120_000);
    expect(run.hung, run.stderr).toBe(false);
    expect(run.result).toEqual({ iterations: 200, traps: 200, errors: 200, same: 200 });
  }, 150_000);
});

describe('a model disposed inside its own fit', () => {
  it.each([1, 2])('with %i thread(s): another model created and trained then ends exactly as it does alone', async (threads) => {
    const run = await runScenario<{ awaited: unknown; concurrent: unknown; untouched: boolean }>('dispose-in-fit', [String(threads)], 60_000);
    expect(run.hung, run.stderr).toBe(false);
    const outcome = { first: 'the model was disposed while fitting', same: true };
    expect(run.result, run.stderr).toEqual({ awaited: outcome, concurrent: outcome, untouched: true });
  }, 90_000);
});

describe('an exception other than a trap inside the core', () => {
  it('a stack overflow in the middle of a shared step: a GradwasmError, the model broken, the step settled, other bits unchanged', async () => {
    const run = await runScenario<Record<string, number | boolean>>('exception-in-step', [], 90_000);
    expect(run.hung, run.stderr).toBe(false);
    const r = run.result!;
    expect(r, run.stderr).toMatchObject({ wrong: 0, otherChanged: 0, last: true });
    expect(r.inCore).toBeGreaterThan(0);
    expect(r.brokenAfter).toBe(r.inCore);
    expect(r.ok).toBeGreaterThan(0);
  }, 120_000);
});
