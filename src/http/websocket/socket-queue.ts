import type { WebSocket } from "ws";
import { closeCodeOf } from "../../errors/error-codes";

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
export class SocketQueue {
  /**
   * What waits its turn: one closure each, that starts its work and settles the promise `run`
   * gave, not a chain of promises (five and their closures a message, each of them alive until
   * its turn came, and copied by every young collection meanwhile).
   */
  private readonly waiting: (() => Promise<void>)[] = [];
  private running = false;
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
    return new Promise<T>((resolve, reject) => {
      this.waiting.push(() => {
        try {
          return work().then(resolve, reject);
        } catch (error) {
          reject(error); // thrown before it returned a promise: its caller's to handle, never the loop's
          return Promise.resolve();
        }
      });
      if (this.waiting.length > HIGH_WATER && !this.socket.isPaused) this.socket.pause();
      if (!this.running) {
        this.running = true;
        setImmediate(this.next);
      }
    });
  }

  /** Starts the first work waiting, in a turn of its own; the next one after it has settled. */
  private readonly next = (): void => {
    const start = this.waiting.shift();
    if (!start) {
      this.running = false;
      return;
    }
    void start().then(() => {
      // A socket being closed stays paused: what it has in flight is not read.
      if (this.waiting.length <= HIGH_WATER / 2 && this.socket.isPaused && this.socket.readyState === this.socket.OPEN) this.socket.resume();
      setImmediate(this.next);
    });
  };

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


/** What a client that stopped reading is closed with: the table's close code of SERVICE_UNAVAILABLE (1013, try again later). */
export const NOT_READING_CLOSE = { code: closeCodeOf("SERVICE_UNAVAILABLE"), reason: "Not reading: too many events left unread; resubscribe" } as const;

/**
 * Closes a socket whose client has left more than `maxUnread` bytes unsent in this process
 * (ws's bufferedAmount: what the kernel would not take), as an HTTP stream is cut off
 * (live-stream.ts). True when the socket is closed or closing: nothing more is queued for it.
 * (graphql-ws awaits each send, so a client that stops reading mostly leaves its events in
 * their queue, which has a bound of its own: catalogue-events.ts, then `closeNotReading`.)
 */
export function cutIfNotReading(socket: WebSocket, maxUnread: number): boolean {
  if (socket.readyState !== socket.OPEN) return true;
  if (socket.bufferedAmount <= maxUnread) return false;
  closeNotReading(socket);
  return true;
}

/** Told why (1013), then cut a second later whether or not it answered, which frees what it left unread. */
export function closeNotReading(socket: WebSocket): void {
  if (socket.readyState === socket.OPEN) closeThenCut(socket, NOT_READING_CLOSE);
}

/**
 * The server's side of a close it decides: the client is told why (the table's close code), and
 * the connection is cut a second later whether or not it answered the close.
 */
export function closeThenCut(socket: WebSocket, close: { code: number; reason: string }): void {
  socket.close(close.code, close.reason);
  setTimeout(() => socket.terminate(), 1000).unref();
}
