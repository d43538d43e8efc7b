import { type EventLoopUtilization, type IntervalHistogram, monitorEventLoopDelay, performance } from "node:perf_hooks";
import type { ApolloServerPlugin } from "@apollo/server";
import type { AppContext } from "../../graphql/context";
import type { NewDocumentWork } from "../../graphql/limits/document-gate";

/**
 * The share of the event loop that documents never seen before may take, and the pressure that
 * stops them: cache hits and known documents cost almost nothing, a flood of distinct documents
 * costs a parse and a validation each, on the one thread that answers everyone.
 * - A token bucket of `msPerSecond` milliseconds of work a second (NEW_DOCUMENT_WORK_MS),
 *   refilled continuously: past it, new documents wait for the next refill as 503s.
 * - The event loop's delay, sampled every `sampleMs`: while its p99 is over `maxDelayMs`
 *   (SHED_EVENT_LOOP_DELAY_MS) and the loop was busy 90 % of the time, no new document is
 *   admitted at all, whatever is left in the bucket. Both: a delay alone may be another
 *   process's doing (a busy machine), a busy loop alone may be cheap work that is all answered.
 * Work is measured in CPU time (process.cpuUsage), not wall time, so that a machine busy with
 * other processes does not make this one's parsing look expensive.
 */
/** The share of a sample the loop must have been busy for its delay to count as this process's own. */
const BUSY_LOOP = 0.9;

/** CPU milliseconds (user and system) this process spent since `started`. */
export function cpuMsSince(started: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

export class NewDocumentPressure implements NewDocumentWork {
  private available: number;
  private last = performance.now();
  private delayed = false;
  private readonly histogram: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  /** Refused since start, for the metrics and the README's bench. */
  shed = 0;

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
    const now = performance.now();
    this.available = Math.min(this.msPerSecond, this.available + ((now - this.last) * this.msPerSecond) / 1000);
    this.last = now;
    const admitted = !this.delayed && this.available > 0;
    if (!admitted) this.shed += 1;
    return admitted;
  }

  spend(ms: number): void {
    // At most a second's worth of debt: a flood's last documents must not keep the next
    // legitimate one out for longer than a second or two after the flood has stopped.
    this.available = Math.max(-this.msPerSecond, this.available - ms);
  }

  /**
   * Apollo's parse and validation of a document it has not cached, spent from the same bucket:
   * they cost 10 to 20 times the gate's own walk (measured on the catalogue's documents), so
   * the gate's time alone would undercount a flood of new documents by an order of magnitude.
   */
  apolloPlugin(): ApolloServerPlugin<AppContext> {
    const timed = () => {
      const started = process.cpuUsage();
      return async () => this.spend(cpuMsSince(started));
    };
    return { requestDidStart: async () => ({ parsingDidStart: async () => timed(), validationDidStart: async () => timed() }) };
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
