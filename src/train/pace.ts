// The pace of calls into a backend within an epoch.

/**
 * How many batches each call into a backend trains: about PACE_MS of work, so that a cancel,
 * timers and the page get their turn within an epoch (and a long epoch is many calls of many
 * batches, never one call per small batch). Follows the time the last call took, from a first
 * call of one batch.
 */
export class Pace {
  private msPerBatch = Infinity;

  batches(remaining: number): number {
    return Math.max(1, Math.min(remaining, Math.floor(PACE_MS / this.msPerBatch)));
  }

  measured(batches: number, ms: number): void {
    this.msPerBatch = Math.max(ms, 1e-3) / batches;
  }
}

export const PACE_MS = 50;
