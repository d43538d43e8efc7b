/**
 * One open subscription transport's place in the count: given back once with `release`. At the
 * global cap its holder may be chosen to make room for a newcomer: `evict` then runs (once) to
 * tell its client and close it. Until its owner sets `evict` (an HTTP stream still being
 * charged, say), an eviction only marks it `evicted`, for the owner to see and give up.
 */
export class Slot {
  /** Set by its owner once it can close what holds the slot. */
  evict: () => void = () => {};
  evicted = false;

  constructor(
    private readonly slots: SubscriptionSlots,
    readonly address: string,
  ) {}

  /** Gives the slot back; again is nothing (giveBack holds each slot once). */
  release(): void {
    this.slots.giveBack(this);
  }

  /** Chosen to make room: the slot is given back at once, and its holder told and closed. */
  expel(): void {
    this.evicted = true;
    this.release();
    this.evict();
  }
}

/**
 * The open subscription transports, WebSockets and HTTP streams alike, counted per client
 * address (as TRUST_PROXY resolves it) and in all: one client cannot hold more than
 * `perAddress` of them whichever protocol it picks, nor all clients more than `total`.
 *
 * At the total, a newcomer is not refused for being late: if some address holds at least two
 * more than the newcomer's does, the oldest transport of the address holding the most is
 * closed to make room. An address already among those holding the most (or one below them) is
 * refused, so that equals never take turns evicting each other: slots drift from hoarders to
 * those holding few, and a flood from many addresses at the cap only ever evicts the flood.
 */
export class SubscriptionSlots {
  /** Each address's slots, oldest first (a Set keeps insertion order). */
  private readonly byAddress = new Map<string, Set<Slot>>();
  /** The addresses holding exactly n slots, for every n held: the top is found without a scan. */
  private readonly byCount = new Map<number, Set<string>>();
  private top = 0;
  private open = 0;

  constructor(
    private readonly perAddress: number,
    private readonly total: number,
  ) {}

  get size(): number {
    return this.open;
  }

  /** Takes a slot for `address`, evicting a hoarder's oldest at the total if that is fair; or why not. */
  take(address: string): Slot | "total" | "address" {
    const mine = this.byAddress.get(address)?.size ?? 0;
    if (mine >= this.perAddress) return "address";
    if (this.open >= this.total) {
      if (this.top < mine + 2) return "total";
      const hoarder = this.byCount.get(this.top)!.values().next().value!;
      const oldest = this.byAddress.get(hoarder)!.values().next().value!;
      oldest.expel();
    }
    const slot = new Slot(this, address);
    let held = this.byAddress.get(address);
    if (!held) this.byAddress.set(address, (held = new Set()));
    held.add(slot);
    this.open += 1;
    this.move(address, mine, mine + 1);
    return slot;
  }

  /** Slot.release's half: only through it, so that a slot is given back once. */
  giveBack(slot: Slot): void {
    const held = this.byAddress.get(slot.address);
    if (!held?.delete(slot)) return;
    this.open -= 1;
    if (held.size === 0) this.byAddress.delete(slot.address);
    this.move(slot.address, held.size + 1, held.size);
  }

  private move(address: string, from: number, to: number): void {
    if (from > 0) {
      const bucket = this.byCount.get(from)!;
      bucket.delete(address);
      if (bucket.size === 0) this.byCount.delete(from);
    }
    if (to > 0) {
      let bucket = this.byCount.get(to);
      if (!bucket) this.byCount.set(to, (bucket = new Set()));
      bucket.add(address);
    }
    if (to > this.top) this.top = to;
    while (this.top > 0 && !this.byCount.has(this.top)) this.top -= 1;
  }
}
