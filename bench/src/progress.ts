// Progress on stderr: a live status line on a terminal, plain lines otherwise.
export class Progress {
  readonly #t0 = Date.now();
  readonly #tty = process.stderr.isTTY === true;
  #live = false;
  #lastPlain = 0;

  #stamp(): string {
    return `[${((Date.now() - this.#t0) / 1000).toFixed(1).padStart(6)}s]`;
  }

  /** A transient status (overwritten by the next one on a terminal). */
  status(text: string): void {
    if (this.#tty) {
      process.stderr.write(`\r\x1b[K${this.#stamp()} ${text}`);
      this.#live = true;
    } else if (Date.now() - this.#lastPlain >= 10_000) {
      // Not a terminal: a status line every 10 s at most, so long phases still show life.
      this.#lastPlain = Date.now();
      process.stderr.write(`${this.#stamp()} ${text}\n`);
    }
  }

  /** A line that stays. */
  line(text: string): void {
    if (this.#live) process.stderr.write('\r\x1b[K');
    this.#live = false;
    process.stderr.write(`${this.#stamp()} ${text}\n`);
  }

  get elapsedS(): number {
    return (Date.now() - this.#t0) / 1000;
  }
}
