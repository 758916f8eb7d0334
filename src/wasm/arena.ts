// Hands out 16-byte-aligned blocks of the core's linear memory, above its static data.
// First fit from a list of freed blocks (kept sorted and merged), else from the top,
// growing the memory when needed. Growing detaches every typed-array view of the old
// buffer, so callers make views from `memory.buffer` at the moment they use them.
import { GradwasmError } from '../errors.js';

const PAGE = 65536;
/** wasm32 addresses 4 GiB. */
export const ADDRESS_SPACE = 2 ** 32;

let limit = ADDRESS_SPACE;

/**
 * Cap the WebAssembly memory that gradwasm may grow to, for every model in this process
 * (default, and at most, the 4 GiB a wasm32 module can address). A fit, prediction or model
 * that would need more is refused with a GradwasmError before anything is allocated.
 */
export function setMemoryLimit(bytes: number): void {
  if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes < PAGE || bytes > ADDRESS_SPACE) {
    throw new GradwasmError('bytes', `bytes must be an integer from ${PAGE} (one page) to ${ADDRESS_SPACE} (4 GiB), got ${String(bytes)}`);
  }
  limit = bytes;
}

interface Block {
  start: number;
  size: number;
}

export class Arena {
  private top: number;
  private readonly free: Block[] = [];
  private readonly live = new Map<number, number>();

  constructor(private readonly memory: WebAssembly.Memory, base: number) {
    this.top = align16(base);
  }

  /** Bytes currently handed out. */
  get bytesInUse(): number {
    let sum = 0;
    for (const size of this.live.values()) sum += size;
    return sum;
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
      at -= 1;
    }
    // a free block at the top goes back to the top
    const last = this.free[this.free.length - 1];
    if (last && last.start + last.size === this.top) {
      this.top = last.start;
      this.free.pop();
    }
  }

  private reserve(end: number): void {
    if (end > limit) {
      const why = limit === ADDRESS_SPACE ? 'the 4 GiB a wasm32 module can address' : `the limit of ${formatBytes(limit)} set with setMemoryLimit`;
      throw new GradwasmError('memory', `gradwasm would need ${formatBytes(end)} of WebAssembly memory, more than ${why}`);
    }
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    try {
      this.memory.grow(Math.ceil((end - have) / PAGE));
    } catch {
      throw new GradwasmError('memory', `could not grow WebAssembly memory to ${formatBytes(end)}: the engine refused`);
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
