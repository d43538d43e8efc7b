import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { WebSocket } from "ws";

/** Messages admitted but not yet handled past which the socket is no longer read. */
const HIGH_WATER = 16;

/**
 * One socket's requests for work, handled one at a time in arrival order, with a turn of the
 * event loop between two: a burst of thousands of messages on one socket waits its turns
 * instead of holding the process, and past HIGH_WATER waiting the socket is paused, so the
 * sender meets TCP's backpressure rather than this process's memory.
 *
 * It also closes a socket that sits idle: nothing subscribed and no message for `idleMs`.
 */
export class Admission {
  private queue: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private idleTimer?: NodeJS.Timeout;
  /** Subscriptions the socket holds, as last told: the idle clock runs only while it holds none. */
  private active = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly idleMs: number,
  ) {
    this.idle(0);
    socket.once("close", () => clearTimeout(this.idleTimer));
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    this.idle(this.active); // a message is no idleness, whether it is admitted or refused
    this.waiting += 1;
    if (this.waiting > HIGH_WATER && !this.socket.isPaused) this.socket.pause();
    const turn = this.queue.then(() => yieldToEventLoop()).then(work);
    this.queue = turn.catch(() => {});
    return turn.finally(() => {
      this.waiting -= 1;
      // A socket being closed stays paused: what it has in flight is not read.
      if (this.waiting <= HIGH_WATER / 2 && this.socket.isPaused && this.socket.readyState === this.socket.OPEN) this.socket.resume();
    });
  }

  /** (Re)starts the idle clock while the socket has no subscription; stops it while it has some. */
  idle(subscriptions: number): void {
    this.active = subscriptions;
    clearTimeout(this.idleTimer);
    // graphql-ws completes a closed socket's subscriptions after its close: a clock started then
    // would hold the whole connection (socket, parser, context) until it ran out.
    if (subscriptions > 0 || this.socket.readyState !== this.socket.OPEN) return;
    this.idleTimer = setTimeout(() => this.socket.close(1000, "Idle: no subscription and no message"), this.idleMs);
    this.idleTimer.unref();
  }
}
