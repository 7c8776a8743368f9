// Buffers for coalesced batch frames, handed back once the frame has been written. A frame of
// a few hundred KiB in a fresh buffer costs its pages again each time: glibc gives such a
// buffer back to the kernel when V8 collects it, and the next one faults every page in anew
// (about a fifth of a W1 producer's copying time went to that). Slabs in power-of-two sizes
// from 64 KiB up are kept, a couple per size, and reused instead; a frame takes the smallest
// size that holds it, so it never ties up more than twice its own size.

/** Frames that may need less than this go into buffers of their own (Node's pool, mostly). */
export const MIN_POOLED = 64 * 1024;
/** Slabs kept for reuse per size. */
const FREE_PER_SIZE = 2;

export class BatchBuffers {
  readonly #free = new Map<number, Buffer[]>();
  readonly #maxSize: number;

  /** Frames that may need more than maxSize bytes are not pooled. */
  constructor(maxSize: number) {
    this.#maxSize = maxSize;
  }

  /**
   * A slab of at least `size` bytes (the smallest power of two that holds it), or undefined
   * when frames of that size are not pooled.
   */
  take(size: number): Buffer | undefined {
    if (size < MIN_POOLED || size > this.#maxSize) return undefined;
    const cls = 2 ** Math.ceil(Math.log2(size));
    return this.#free.get(cls)?.pop() ?? Buffer.allocUnsafeSlow(cls);
  }

  /** Hands a slab from take() back; call it only once nothing reads the slab any more. */
  give(slab: Buffer): void {
    const cls = slab.length;
    if (cls < MIN_POOLED || 2 ** Math.round(Math.log2(cls)) !== cls) return;
    let list = this.#free.get(cls);
    if (list === undefined) {
      list = [];
      this.#free.set(cls, list);
    }
    if (list.length < FREE_PER_SIZE && !list.includes(slab)) list.push(slab);
  }

  /** Slabs waiting for reuse. */
  get free(): number {
    let n = 0;
    for (const list of this.#free.values()) n += list.length;
    return n;
  }
}
