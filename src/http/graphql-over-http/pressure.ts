import { type EventLoopUtilization, type IntervalHistogram, monitorEventLoopDelay, performance } from "node:perf_hooks";
import type { NewDocumentWork } from "../../graphql/limits/document-gate";

/**
 * The share of the event loop that documents never seen before may take, and the pressure that
 * stops them: cache hits and known documents cost almost nothing, a flood of distinct documents
 * costs a parse and a validation each, on the one thread that answers everyone.
 * - A token bucket of `msPerSecond` milliseconds of work a second (NEW_DOCUMENT_WORK_MS),
 *   refilled continuously and spent by each new document's estimated work (the gate's CPU time
 *   and Apollo's, estimated from it): past it, new documents wait for the next refill as 503s.
 * - The event loop's delay, sampled every `sampleMs`: while its p99 is over `maxDelayMs`
 *   (SHED_EVENT_LOOP_DELAY_MS) and the loop was busy 90 % of the time, no new document is
 *   admitted at all, whatever is left in the bucket. Both: a delay alone may be another
 *   process's doing (a busy machine), a busy loop alone may be cheap work that is all answered.
 * Work is measured in CPU time (process.cpuUsage), not wall time, so that a machine busy with
 * other processes does not make this one's parsing look expensive.
 */
/**
 * Apollo's parse and validation of a new document, as a multiple of the gate's own check of it:
 * 10 to 20 on the catalogue's documents (measured with graphql's parse and validate against the
 * gate's lexing and walk). Estimated from the gate, which runs synchronously, rather than timed
 * around Apollo's hooks: those windows span awaits, in which other requests' work runs too, and a
 * flood of concurrent requests would be charged many times over (a first version did that).
 */
const APOLLO_WORK_FACTOR = 10;

/**
 * The most one document's check may be charged, in CPU ms of the gate: 20 times the dearest
 * document within the limits (3,000 tokens: 0.13 ms warm, about 1 ms cold). More is a garbage
 * collection that fell inside the check (process.cpuUsage counts it), not the document's work:
 * charged whole, times the factor, one 50 ms collection would empty the bucket for seconds.
 */
const MAX_GATE_MS = 5;

/** The share of a sample the loop must have been busy for its delay to count as this process's own. */
const BUSY_LOOP = 0.9;

export class NewDocumentPressure implements NewDocumentWork {
  private available: number;
  private last = performance.now();
  private delayed = false;
  private readonly histogram: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private readonly waiting: (() => void)[] = [];
  private releasing = false;

  constructor(
    private readonly msPerSecond: number,
    maxDelayMs: number,
    sampleMs = 500,
  ) {
    this.available = msPerSecond;
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    let utilization: EventLoopUtilization = performance.eventLoopUtilization();
    this.timer = setInterval(() => {
      const busy = performance.eventLoopUtilization(utilization);
      utilization = performance.eventLoopUtilization();
      this.delayed = this.histogram.percentile(99) / 1e6 > maxDelayMs && busy.utilization > BUSY_LOOP;
      this.histogram.reset();
    }, sampleMs).unref();
  }

  admit(): boolean {
    // No budget (the default): only the event loop's pressure sheds.
    if (this.msPerSecond === 0) return !this.delayed;
    const now = performance.now();
    this.available = Math.min(this.msPerSecond, this.available + ((now - this.last) * this.msPerSecond) / 1000);
    this.last = now;
    return !this.delayed && this.available > 0;
  }

  /**
   * Resolves in a turn of the event loop of its own, one waiter a turn, first come first served,
   * I/O polled between two. A new document's parse and validation (about a millisecond each,
   * Apollo's or the subscription transports') wait for it: requests that arrive together, as a
   * flood's do, would otherwise each run theirs back-to-back in one turn, and every other
   * client's request read in that turn waited for all of them.
   */
  ownTurn(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.releasing) this.releaseNext();
    });
  }

  private releaseNext(): void {
    this.releasing = true;
    // An immediate queued by an immediate runs in the next turn, after that turn's I/O.
    setImmediate(() => {
      this.waiting.shift()?.();
      if (this.waiting.length > 0) this.releaseNext();
      else this.releasing = false;
    });
  }

  spend(gateMs: number): void {
    // At most a second's worth of debt: a flood's last documents must not keep the next
    // legitimate one out for longer than a second or two after the flood has stopped.
    this.available = Math.max(-this.msPerSecond, this.available - Math.min(gateMs, MAX_GATE_MS) * (1 + APOLLO_WORK_FACTOR));
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
