// What the platform allows threads, in Node: how many 'auto' means, whether they can be had at
// all, whether the calling thread may block. The browser bundle uses environment.browser.ts
// instead (scripts/build.mjs swaps the module); both are small, as the inference path loads them.
/** Node's main thread may block on an atomic wait, as workers may. */
export function leaderMayWait(): boolean {
  return true;
}

/** The cores this process may use: what threads 'auto' means, and the most threads a step wakes. */
export async function availableThreads(): Promise<number> {
  const os = await import('node:os');
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** Why more than one thread cannot be had here, or null: in Node they always can. */
export function threadsUnavailable(): string | null {
  return null;
}
