// A binary min-heap of timer records by the time they may next be delivered: the due set is
// drained from its top, so each delivery costs O(log n) however many records wait.
import type { TimerRecord } from './timer-record.js';

export interface Due {
  readonly pos: number;
  readonly rec: TimerRecord;
  /** Due time, or the time of the next attempt after a failure. */
  at: number;
}

export class DueHeap {
  readonly #items: Due[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): Due | undefined {
    return this.#items[0];
  }

  push(d: Due): void {
    const a = this.#items;
    a.push(d);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = a[parent];
      if (p === undefined || p.at <= d.at) break;
      a[i] = p;
      i = parent;
    }
    a[i] = d;
  }

  pop(): Due | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const li = a[l];
      const ri = a[r];
      if (li === undefined) break;
      const c = ri !== undefined && ri.at < li.at ? r : l;
      const child = a[c];
      if (child === undefined || child.at >= last.at) break;
      a[i] = child;
      i = c;
    }
    a[i] = last;
    return top;
  }
}
