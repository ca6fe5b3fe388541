// Every deal's history (what the forecast needs of it) in columns rather than one object per deal:
// a large tenant's million deals cost a few typed-array slots each instead of an object, its boxed
// numbers and a map entry (issue 19: the score step's memory bounded). Iterating yields each deal
// as a fresh HistoryDeal, in the order added, so the forecast reads it exactly as before.

import type { Deal } from '../../domain/index.ts';
import { type HistoryDeal, historyDealFrom } from './history-deal.ts';

const CLOSED = 1;
const WON = 2;
const NO_CHANGES: HistoryDeal['closeDateChanges'] = Object.freeze([]);

export class HistoryTable implements Iterable<HistoryDeal> {
  #size = 0;
  #ids: string[] = [];
  #amount: Float64Array;
  #createdAt: Float64Array;
  #closedAt: Float64Array;
  #closeDate: Float64Array;
  #flags: Uint8Array;
  /** Index into #owners; -1 for no owner. */
  #owner: Int32Array;
  readonly #owners: string[] = [];
  readonly #ownerIndex = new Map<string, number>();
  /** Only the deals whose close date ever changed (most never do). */
  readonly #changes = new Map<number, HistoryDeal['closeDateChanges']>();
  /** Built on the first lookup by id (the backtest's replay), not while the table fills. */
  #byId: Map<string, number> | null = null;

  /** `capacity`: the expected number of deals (the table grows past it). */
  constructor(capacity = 1_024) {
    const n = Math.max(16, capacity);
    this.#amount = new Float64Array(n);
    this.#createdAt = new Float64Array(n);
    this.#closedAt = new Float64Array(n);
    this.#closeDate = new Float64Array(n);
    this.#flags = new Uint8Array(n);
    this.#owner = new Int32Array(n);
  }

  get size(): number {
    return this.#size;
  }

  add(deal: Deal): void {
    const h = historyDealFrom(deal);
    if (this.#size === this.#amount.length) this.#grow();
    const i = this.#size++;
    this.#ids.push(h.id);
    this.#amount[i] = h.amount;
    this.#createdAt[i] = h.createdAt;
    this.#closedAt[i] = h.closedAt;
    this.#closeDate[i] = h.closeDate;
    this.#flags[i] = (h.isClosed ? CLOSED : 0) | (h.isWon ? WON : 0);
    this.#owner[i] = h.ownerId === null ? -1 : this.#ownerSlot(h.ownerId);
    if (h.closeDateChanges.length > 0) this.#changes.set(i, h.closeDateChanges);
    this.#byId = null;
  }

  get(id: string): HistoryDeal | undefined {
    if (this.#byId === null) {
      this.#byId = new Map();
      for (let i = 0; i < this.#size; i++) this.#byId.set(this.#ids[i]!, i);
    }
    const i = this.#byId.get(id);
    return i === undefined ? undefined : this.#at(i);
  }

  *[Symbol.iterator](): Iterator<HistoryDeal> {
    for (let i = 0; i < this.#size; i++) yield this.#at(i);
  }

  values(): Iterable<HistoryDeal> {
    return this;
  }

  #at(i: number): HistoryDeal {
    const owner = this.#owner[i]!;
    const flags = this.#flags[i]!;
    return {
      id: this.#ids[i]!,
      ownerId: owner < 0 ? null : this.#owners[owner]!,
      amount: this.#amount[i]!,
      createdAt: this.#createdAt[i]!,
      isClosed: (flags & CLOSED) !== 0,
      isWon: (flags & WON) !== 0,
      closedAt: this.#closedAt[i]!,
      closeDate: this.#closeDate[i]!,
      closeDateChanges: this.#changes.get(i) ?? NO_CHANGES,
    };
  }

  #ownerSlot(ownerId: string): number {
    let k = this.#ownerIndex.get(ownerId);
    if (k === undefined) {
      k = this.#owners.length;
      this.#owners.push(ownerId);
      this.#ownerIndex.set(ownerId, k);
    }
    return k;
  }

  #grow(): void {
    const n = this.#amount.length * 2;
    const grown = <T extends Float64Array | Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.#amount = grown(this.#amount, (k) => new Float64Array(k));
    this.#createdAt = grown(this.#createdAt, (k) => new Float64Array(k));
    this.#closedAt = grown(this.#closedAt, (k) => new Float64Array(k));
    this.#closeDate = grown(this.#closeDate, (k) => new Float64Array(k));
    this.#flags = grown(this.#flags, (k) => new Uint8Array(k));
    this.#owner = grown(this.#owner, (k) => new Int32Array(k));
  }
}
