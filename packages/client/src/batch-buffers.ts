// Buffers for coalesced batch frames, handed back once the frame has been written. A frame of
// a few hundred KiB in a fresh buffer costs its pages again each time: glibc gives such a
// buffer back to the kernel when V8 collects it, and the next one faults every page in anew
// (about a fifth of a W1 producer's copying time went to that). A handful of slabs the size of
// the largest coalesced frame are kept and reused instead.

/** Slabs kept for reuse at most (each `slabSize` bytes). */
const MAX_FREE = 4;

export class BatchBuffers {
  readonly #free: Buffer[] = [];
  readonly #slabSize: number;

  constructor(slabSize: number) {
    this.#slabSize = slabSize;
  }

  /** Bytes in every slab. */
  get slabSize(): number {
    return this.#slabSize;
  }

  /** A slab of at least `size` bytes, or undefined when a frame that large is not pooled. */
  take(size: number): Buffer | undefined {
    if (size > this.#slabSize) return undefined;
    return this.#free.pop() ?? Buffer.allocUnsafeSlow(this.#slabSize);
  }

  /** Hands a slab from take() back; call it only once nothing reads the slab any more. */
  give(slab: Buffer): void {
    if (slab.length === this.#slabSize && this.#free.length < MAX_FREE && !this.#free.includes(slab)) this.#free.push(slab);
  }

  /** Slabs waiting for reuse. */
  get free(): number {
    return this.#free.length;
  }
}
