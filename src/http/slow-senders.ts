/**
 * How many addresses cut as too slow, within one window, make a flood of slow requests: far more
 * than a few clients on bad networks produce, far fewer than a flood from many addresses (issue
 * 25's cut thousands a second). Addresses, not cuts: one address cannot declare a flood alone.
 */
export const SLOW_FLOOD_ADDRESSES = 100;
const WINDOW_MS = 10_000;

/**
 * The addresses whose requests were cut as too slow, refused new connections for `penaltyMs`
 * while a flood of slow requests is on: SLOW_FLOOD_ADDRESSES distinct addresses cut (or refused
 * for their penalty) within the last window or the one before.
 *
 * Why: each slow request costs the event loop its connection, its headers, its request objects
 * and its cut, about 200 µs; 20,000 addresses that reconnect the moment they are cut kept the
 * one core 93 % busy cutting them, and everyone else waited behind the cuts (6 × the normal
 * client's p99 alone). A refused connection costs a tenth of that. Outside such a flood nothing
 * is refused: one client too slow on a bad network never locks out the others behind its
 * address, and neither can one attacker's address keep a flood declared.
 *
 * Bounded: at most `maxAddresses` are remembered (the oldest penalty is forgotten first).
 */
export class SlowSenders {
  private readonly until = new Map<string, number>();
  private windowStart = performance.now();
  /** Distinct addresses cut in the current window, counted up to the threshold only. */
  private cutNow = new Set<string>();
  private floodBefore = false;

  constructor(
    private readonly penaltyMs: number,
    private readonly maxAddresses = 50_000,
  ) {}

  /** A request from `address` was cut as too slow. */
  cut(address: string, now: number): void {
    if (this.penaltyMs === 0) return;
    this.roll(now);
    if (this.cutNow.size < SLOW_FLOOD_ADDRESSES) this.cutNow.add(address);
    this.until.delete(address); // re-inserted last: the Map's order stays the order of expiry
    this.until.set(address, now + this.penaltyMs);
    if (this.until.size > this.maxAddresses) this.until.delete(this.until.keys().next().value as string);
  }

  /** The seconds a new connection from `address` is refused for, or 0 if it is not. */
  refusedFor(address: string, now: number): number {
    const until = this.until.get(address);
    if (until === undefined) return 0;
    if (until <= now) {
      this.until.delete(address);
      return 0;
    }
    this.roll(now);
    if (!this.floodBefore && this.cutNow.size < SLOW_FLOOD_ADDRESSES) return 0;
    // A refused return is the flood going on: its address counts, as if cut, so the flood is not
    // declared over (and all its addresses let in to be cut again at once) while 100 of them keep
    // coming back; one address coming back counts once, and keeps no flood on alone.
    if (this.cutNow.size < SLOW_FLOOD_ADDRESSES) this.cutNow.add(address);
    return Math.ceil((until - now) / 1000);
  }

  private roll(now: number): void {
    if (now - this.windowStart < WINDOW_MS) return;
    // A window with no cut at all in between forgets the one before.
    this.floodBefore = now - this.windowStart < 2 * WINDOW_MS && this.cutNow.size >= SLOW_FLOOD_ADDRESSES;
    this.cutNow = new Set();
    this.windowStart = now;
  }
}
