/**
 * The open subscription transports, WebSockets and HTTP streams alike, counted per client
 * address (as TRUST_PROXY resolves it) and in all: one client cannot hold more than
 * `perAddress` of them whichever protocol it picks, nor all clients more than `total`.
 */
export class SubscriptionSlots {
  private readonly byAddress = new Map<string, number>();
  private open = 0;

  constructor(
    private readonly perAddress: number,
    private readonly total: number,
  ) {}

  get size(): number {
    return this.open;
  }

  /** Takes a slot for `address`: the function that gives it back (once), or why not. */
  take(address: string): (() => void) | "total" | "address" {
    if (this.open >= this.total) return "total";
    const mine = this.byAddress.get(address) ?? 0;
    if (mine >= this.perAddress) return "address";
    this.open += 1;
    this.byAddress.set(address, mine + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.open -= 1;
      const left = (this.byAddress.get(address) ?? 1) - 1;
      if (left > 0) this.byAddress.set(address, left);
      else this.byAddress.delete(address);
    };
  }
}
