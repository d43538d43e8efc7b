/**
 * How many requests cut as too slow, within one window, make a flood of slow requests: far more
 * than a few clients on bad networks produce, far fewer than a flood does (issue 25's floods cut
 * thousands a second).
 */
export const SLOW_FLOOD_CUTS = 100;
const WINDOW_MS = 10_000;

/**
 * The addresses whose requests were cut as too slow, refused new connections for `penaltyMs`
 * while a flood of slow requests is on (SLOW_FLOOD_CUTS cut, or refused for their penalty, within
 * the last window or the one before).
 *
 * Why: each slow request costs the event loop its connection, its headers, its request objects
 * and its cut, about 200 µs; 20,000 addresses that reconnect the moment they are cut kept the
 * one core 93 % busy cutting them, and everyone else waited behind the cuts (6 × the normal
 * client's p99 alone). A refused connection costs a tenth of that. Outside a flood nothing is
 * refused: one client too slow on a bad network never locks out the others behind its address.
 *
 * Bounded: at most `maxAddresses` are remembered (the oldest penalty is forgotten first).
 */
export class SlowSenders {
  private readonly until = new Map<string, number>();
  private windowStart = performance.now();
  private cutsNow = 0;
  private cutsBefore = 0;

  constructor(
    private readonly penaltyMs: number,
    private readonly maxAddresses = 50_000,
  ) {}

  /** A request from `address` was cut as too slow. */
  cut(address: string, now: number): void {
    if (this.penaltyMs === 0) return;
    this.roll(now);
    this.cutsNow += 1;
    this.until.delete(address); // re-inserted last: the Map's order stays the order of expiry
    this.until.set(address, now + this.penaltyMs);
    if (this.until.size > this.maxAddresses) this.until.delete(this.until.keys().next().value as string);
  }

  /** Whether a new connection from `address` is refused. */
  refuses(address: string, now: number): boolean {
    const until = this.until.get(address);
    if (until === undefined) return false;
    if (until <= now) {
      this.until.delete(address);
      return false;
    }
    this.roll(now);
    if (this.cutsNow + this.cutsBefore < SLOW_FLOOD_CUTS) return false;
    // A refused return is the flood going on: counted as a cut, so the flood is not declared over
    // (and its 20,000 addresses let in again at once) while its addresses keep coming back.
    this.cutsNow += 1;
    return true;
  }

  private roll(now: number): void {
    if (now - this.windowStart < WINDOW_MS) return;
    // A window with no cut at all in between forgets the one before.
    this.cutsBefore = now - this.windowStart < 2 * WINDOW_MS ? this.cutsNow : 0;
    this.cutsNow = 0;
    this.windowStart = now;
  }
}
