/**
 * Keys due later, with one timer for all of them (client-go's delaying queue keeps a heap the same
 * way): every resource is always scheduled for its next health look, and a Node timer per key costs
 * ~600 bytes (the Timeout, its closure, a record) — 12 MiB at 20,000 objects. Here a key costs a
 * Map entry and a heap slot.
 *
 * - `schedule(key, at)` keeps the earliest pending time of a key (a later one is ignored);
 * - `cancel(key)` drops it; `clear()` drops all;
 * - `onDue(key)` runs once per key when its time comes (in time order).
 *
 * Replaced or cancelled schedules stay in the heap as stale pairs until their time or the next
 * compaction; a pair counts only while it matches `#due`.
 */
export class DelayedKeys {
  /** key → when it is due (ms, `Date.now()` clock). */
  readonly #due = new Map<string, number>();
  /** Min-heap of (time, key) pairs, as two parallel arrays. */
  #times: number[] = [];
  #keys: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  readonly #onDue: (key: string) => void;

  constructor(onDue: (key: string) => void) {
    this.#onDue = onDue;
  }

  get size(): number {
    return this.#due.size;
  }

  /** When `key` is due, or undefined. */
  dueAt(key: string): number | undefined {
    return this.#due.get(key);
  }

  /** Schedules `key` at `at`, unless it is already due at or before then. */
  schedule(key: string, at: number): void {
    const pending = this.#due.get(key);
    if (pending !== undefined && pending <= at) return;
    this.#due.set(key, at);
    this.#push(at, key);
    if (this.#times.length > 2 * this.#due.size + 1024) this.#compact();
    this.#arm();
  }

  cancel(key: string): void {
    this.#due.delete(key);
  }

  clear(): void {
    this.#due.clear();
    this.#times = [];
    this.#keys = [];
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  /** One timer, for the earliest pair. */
  #arm(): void {
    const next = this.#times[0];
    if (next === undefined || next >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = next;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, next - Date.now()));
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = Date.now();
    while (this.#times.length > 0 && this.#times[0]! <= now) {
      const at = this.#times[0]!;
      const key = this.#keys[0]!;
      this.#pop();
      if (this.#due.get(key) !== at) continue; // stale: rescheduled or cancelled
      this.#due.delete(key);
      this.#onDue(key);
    }
    this.#arm();
  }

  /** Rebuilds the heap from `#due` (drops stale pairs). */
  #compact(): void {
    this.#times = [];
    this.#keys = [];
    for (const [key, at] of this.#due) this.#push(at, key);
  }

  #push(at: number, key: string): void {
    const t = this.#times;
    const k = this.#keys;
    let i = t.length;
    t.push(at);
    k.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (t[parent]! <= at) break;
      t[i] = t[parent]!;
      k[i] = k[parent]!;
      i = parent;
    }
    t[i] = at;
    k[i] = key;
  }

  #pop(): void {
    const t = this.#times;
    const k = this.#keys;
    const lastAt = t.pop()!;
    const lastKey = k.pop()!;
    const n = t.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const c = l + 1 < n && t[l + 1]! < t[l]! ? l + 1 : l;
      if (t[c]! >= lastAt) break;
      t[i] = t[c]!;
      k[i] = k[c]!;
      i = c;
    }
    t[i] = lastAt;
    k[i] = lastKey;
  }
}
