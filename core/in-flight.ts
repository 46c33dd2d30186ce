/**
 * What is in flight (requests being served, audits being written), as an intrusive doubly linked
 * list rather than a Set.
 *
 * Measured on the passthrough (`--trace-gc-nvp`, 50 connections): with every request joining and
 * leaving a long-lived Set, 27% of the young generation survived each scavenge instead of 7%, and a
 * request cost ~20% more CPU, most of it in the collector. A Set's table keeps what left it
 * reachable from the old generation until the table is rebuilt; a link that is cut leaves nothing
 * pointing at the finished request.
 */
export interface InFlightEntry<T> {
  value: T | undefined;
  prev: InFlightEntry<T> | undefined;
  next: InFlightEntry<T> | undefined;
}

export class InFlight<T> {
  readonly #head: InFlightEntry<T> = { value: undefined, prev: undefined, next: undefined };
  #size = 0;

  constructor() {
    this.#head.prev = this.#head.next = this.#head;
  }

  get size(): number {
    return this.#size;
  }

  add(value: T): InFlightEntry<T> {
    const head = this.#head;
    const entry: InFlightEntry<T> = { value, prev: head, next: head.next };
    head.next!.prev = entry;
    head.next = entry;
    this.#size++;
    return entry;
  }

  /** Takes `entry` out; a second call does nothing. */
  delete(entry: InFlightEntry<T>): void {
    if (entry.next === undefined) return;
    entry.prev!.next = entry.next;
    entry.next.prev = entry.prev;
    entry.prev = entry.next = entry.value = undefined;
    this.#size--;
  }

  /** What is in flight now, newest first (a copy: entries may leave while the caller walks it). */
  values(): T[] {
    const out: T[] = [];
    for (let at = this.#head.next!; at !== this.#head; at = at.next!) out.push(at.value!);
    return out;
  }
}
