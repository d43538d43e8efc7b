/** What a heartbeat beats: a stream, told to send its heartbeat and check its client is reading. */
export interface Beating {
  beat(): void;
}

/**
 * One timer for all the streams that beat at one period, started with the first and stopped
 * with the last: an idle stream holds a place in a Set, not a Timeout and its closure each
 * (thousands of idle streams are the case to plan for, docs/limits.md).
 */
export class Heartbeats {
  private readonly beating = new Set<Beating>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly ms: number) {}

  add(stream: Beating): void {
    this.beating.add(stream);
    if (this.timer) return;
    // A stream that ends during a beat leaves the Set while it is walked, which a Set allows.
    this.timer = setInterval(() => this.beating.forEach((s) => s.beat()), this.ms);
    this.timer.unref();
  }

  delete(stream: Beating): void {
    this.beating.delete(stream);
    if (this.beating.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

const byPeriod = new Map<number, Heartbeats>();

/** The shared heartbeat of that period (a process has one or two: tests run apps with short ones). */
export function heartbeatsEvery(ms: number): Heartbeats {
  let heartbeats = byPeriod.get(ms);
  if (!heartbeats) byPeriod.set(ms, (heartbeats = new Heartbeats(ms)));
  return heartbeats;
}
