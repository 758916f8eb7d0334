// What the platform allows threads, in browsers: every core when the page may share memory
// (cross-origin isolated), and the page's main thread may not block.
/** A page's main thread may not block (Atomics.wait throws there): it spins; a worker may block. */
export function leaderMayWait(): boolean {
  return typeof document === 'undefined';
}

/** The threads 'auto' means: the browser's logical cores when the page may share memory, else 1. */
export async function availableThreads(): Promise<number> {
  return threadsUnavailable() === null ? navigator.hardwareConcurrency || 1 : 1;
}

/** Why this page cannot have more than one thread, or null. */
export function threadsUnavailable(): string | null {
  if (globalThis.crossOriginIsolated) return null;
  return (
    'the page is not cross-origin isolated, which threads need: serve it with "Cross-Origin-Opener-Policy: same-origin" and ' +
    '"Cross-Origin-Embedder-Policy: require-corp" (npm run serve does), or use threads: 1'
  );
}
