// Hands out 16-byte-aligned blocks of the core's linear memory, above its static data.
// First fit from a list of freed blocks (kept sorted and merged), else from the top,
// growing the memory when needed. Growing detaches every typed-array view of the old
// buffer, so callers make views from `memory.buffer` at the moment they use them.
// A call's blocks are taken all or none (allocateAll): planned first, on a copy of the free
// list, so that a request past the limit is refused before anything is allocated or grown.
import { MemoryLimitError, OptionError } from '../../core/errors.js';
import { ADDRESS_SPACE } from '../../core/limits.js';

const PAGE = 65536;

let limit = ADDRESS_SPACE;

/**
 * Cap the WebAssembly memory that gradwasm may grow to, for every `'wasm'` model in this
 * process together (default, and at most, the 4 GiB a wasm32 module can address; the
 * single-thread core and the threaded one count as one), and for the worker of
 * each `trainInWorker` job started after the call. A model, fit or pass that would need more is
 * refused with a GradwasmError before anything is allocated or copied. `'js'` models keep their
 * numbers in JavaScript arrays on the engine's heap, which this limit does not count (their
 * passes run in the same bounded chunks of rows, and a model must fit 4 GiB on either backend).
 */
export function setMemoryLimit(bytes: number): void {
  if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes < PAGE || bytes > ADDRESS_SPACE) {
    throw new OptionError('bytes', `bytes must be an integer from ${PAGE} (one page) to ${ADDRESS_SPACE} (4 GiB), got ${String(bytes)}`);
  }
  limit = bytes;
}

/** The limit set with {@link setMemoryLimit} (4 GiB by default). */
export function memoryLimit(): number {
  return limit;
}

/** Why `bytes` of memory are too many: the words of a GradwasmError. */
export function beyondLimit(bytes: number): string {
  const why = limit === ADDRESS_SPACE ? 'the 4 GiB a wasm32 module can address' : `the limit of ${formatBytes(limit)} set with setMemoryLimit`;
  return `${formatBytes(bytes)} of WebAssembly memory, more than ${why}`;
}

interface Block {
  start: number;
  size: number;
}

/** Every arena of this realm: the single-thread core's and the threaded core's share the limit. */
const arenas = new Set<Arena>();

/** The bytes of WebAssembly memory every core of this realm holds (what the limit counts). */
export function totalMemory(): number {
  let bytes = 0;
  for (const a of arenas) bytes += a.memoryBytes;
  return bytes;
}

export class Arena {
  private top: number;
  private readonly free: Block[] = [];
  private readonly live = new Map<number, number>();

  constructor(
    private readonly memory: WebAssembly.Memory,
    base: number,
  ) {
    this.top = align16(base);
    arenas.add(this);
  }

  /** The size of its memory now. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** The memory the other arenas hold, which this one's counts against the limit. */
  private others(): number {
    return totalMemory() - this.memoryBytes;
  }

  /** Bytes currently handed out. */
  get bytesInUse(): number {
    let sum = 0;
    for (const size of this.live.values()) sum += size;
    return sum;
  }

  /**
   * Blocks of these sizes, all or none: when together they would take the memory past the
   * limit, a GradwasmError (argument `argument`, saying that `purpose` needs them) is thrown
   * before anything is allocated or grown; if the engine then refuses to grow, the blocks taken
   * so far are released before the error goes on.
   */
  allocateAll(sizes: readonly number[], argument: string, purpose: string): number[] {
    this.check(sizes, argument, purpose);
    const blocks: number[] = [];
    try {
      for (const size of sizes) blocks.push(this.allocate(size));
    } catch (error) {
      for (const block of blocks) this.release(block);
      throw error;
    }
    return blocks;
  }

  /** Throw the GradwasmError of allocateAll if blocks of these sizes would not fit; allocate nothing. */
  check(sizes: readonly number[], argument: string, purpose: string): void {
    const end = this.plannedEnd(sizes) + this.others();
    if (end <= limit) return;
    const total = sizes.reduce((sum, n) => sum + align16(Math.max(n, 16)), 0);
    const others = this.bytesInUse > 0 ? ` (with ${formatBytes(this.bytesInUse)} already in use)` : '';
    throw new MemoryLimitError(argument, `${purpose} needs ${formatBytes(total)}${others}: ${beyondLimit(end)}`, { bytes: end, limit });
  }

  /** The top of the used memory once blocks of these sizes were allocated, first fit as allocate() does. */
  private plannedEnd(sizes: readonly number[]): number {
    const free = this.free.map((b) => ({ ...b }));
    let top = this.top;
    for (const bytes of sizes) {
      const size = align16(Math.max(bytes, 16));
      const block = free.find((b) => b.size >= size);
      if (block) {
        block.start += size;
        block.size -= size;
      } else {
        top += size;
      }
    }
    return top;
  }

  allocate(bytes: number): number {
    const size = align16(Math.max(bytes, 16));
    const index = this.free.findIndex((b) => b.size >= size);
    let start: number;
    if (index >= 0) {
      const block = this.free[index]!;
      start = block.start;
      if (block.size === size) this.free.splice(index, 1);
      else {
        block.start += size;
        block.size -= size;
      }
    } else {
      start = this.top;
      this.reserve(start + size);
      this.top = start + size;
    }
    this.live.set(start, size);
    return start;
  }

  release(start: number): void {
    const size = this.live.get(start);
    if (size === undefined) return;
    this.live.delete(start);
    let at = this.free.findIndex((b) => b.start > start);
    if (at < 0) at = this.free.length;
    this.free.splice(at, 0, { start, size });
    // merge with the following, then the preceding block
    const next = this.free[at + 1];
    if (next && start + size === next.start) {
      this.free[at]!.size += next.size;
      this.free.splice(at + 1, 1);
    }
    const prev = this.free[at - 1];
    if (prev && prev.start + prev.size === start) {
      prev.size += this.free[at]!.size;
      this.free.splice(at, 1);
    }
    // a free block at the top goes back to the top
    const last = this.free[this.free.length - 1];
    if (last && last.start + last.size === this.top) {
      this.top = last.start;
      this.free.pop();
    }
  }

  private reserve(end: number): void {
    if (end + this.others() > limit)
      throw new MemoryLimitError('memory', `gradwasm would need ${beyondLimit(end + this.others())}`, { bytes: end + this.others(), limit });
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    try {
      this.memory.grow(Math.ceil((end - have) / PAGE));
    } catch {
      throw new MemoryLimitError('memory', `could not grow WebAssembly memory to ${formatBytes(end)}: the engine refused`, { bytes: end, limit: have });
    }
  }
}

function align16(n: number): number {
  return Math.ceil(n / 16) * 16;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
