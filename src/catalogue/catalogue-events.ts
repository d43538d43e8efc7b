import { EventEmitter } from "node:events";
import { DomainError } from "../errors/domain-error";
import { RevisionAction } from "./status-code.enums";
import type { StatusCodeRecord } from "./status-code.model";

export enum ChangeKind {
  CREATED = "CREATED",
  UPDATED = "UPDATED",
  RETIRED = "RETIRED",
  RESTORED = "RESTORED",
}

export interface EntryChange {
  code: number;
  kind: ChangeKind;
  version: number;
  entry: StatusCodeRecord;
}

export const STATUS_CODE_CHANGED = "STATUS_CODE_CHANGED";

/** Events a subscriber may leave waiting (STREAM_MAX_UNREAD_EVENTS) unless its owner says otherwise. */
export const MAX_UNREAD_EVENTS = 1000;

/**
 * How a subscriber's events end when it left more than its bound waiting: its transport was not
 * taking them (graphql-ws awaits each send, so a client that stopped reading leaves its events
 * here). The table's SERVICE_UNAVAILABLE: it may resubscribe.
 */
export class SubscriberNotReading extends DomainError {
  constructor() {
    super("SERVICE_UNAVAILABLE", "The client did not read its events: this subscription is cut off; resubscribe");
  }
}

/**
 * The changes of this process's read model, as events: every replica's model follows every
 * write (its own at once, the others' through the revision poll or the Redis signal), so each
 * replica tells its own subscribers about every write, in version order per entry, once per
 * version it sees, over an EventEmitter. Subscriptions take them from `changes`, not through
 * type-graphql's topics and filter (a Repeater pipeline: about 3 KB an idle subscriber).
 */
export class CatalogueEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  /** `maxUnread`: events one subscriber may leave waiting before it is cut off (SubscriberNotReading). */
  constructor(private readonly maxUnread = MAX_UNREAD_EVENTS) {}

  /**
   * Called by the read model with an entry's state before and after a change. A rollback is
   * RESTORED, as its history says RESTORE (a rollback that retires the entry is a RETIRE in both).
   */
  changed(before: StatusCodeRecord | undefined, after: StatusCodeRecord): void {
    const kind = !before
      ? ChangeKind.CREATED
      : after.retired && !before.retired
        ? ChangeKind.RETIRED
        : (!after.retired && before.retired) || after.lastAction === RevisionAction.RESTORE
          ? ChangeKind.RESTORED
          : ChangeKind.UPDATED;
    this.emitter.emit(STATUS_CODE_CHANGED, { code: after.code, kind, version: after.version, entry: after } satisfies EntryChange);
  }

  get subscribers(): number {
    return this.emitter.listenerCount(STATUS_CODE_CHANGED);
  }

  /**
   * The changes of the given entries (all when `codes` is absent), as they happen, until
   * returned: another entry's change is never queued. One listener each, not an async generator
   * over `events.on`: a generator waiting for its next event cannot be returned (its `return()`
   * waits for the next `yield`), so a subscriber that left while nothing happened kept its
   * listener, and with it its whole execution, for good (57 KB each, measured, never freed); and
   * `events.on` itself takes 35 KB a subscriber for its queues. This one drops its listener the
   * moment it is returned.
   */
  changes(codes?: readonly number[] | null): AsyncIterableIterator<EntryChange> {
    const wanted = codes ? new Set(codes) : undefined;
    return new Listener(this.emitter, this.maxUnread, wanted && ((change) => wanted.has(change.code)));
  }
}

/**
 * Values as an async iterator, held in a plain array until read, at most `maxUnread` of them:
 * past that its reader is cut off (its next read fails with SubscriberNotReading) and what was
 * waiting is dropped, instead of growing without limit. A catalogue subscriber's changes here,
 * a shared execution's subscriber's results (graphql/shared-subscriptions.ts). `leave` runs
 * once, however it ends: completed, failed, cut off or returned.
 */
export abstract class BoundedQueue<T> implements AsyncIterableIterator<T> {
  private queued: T[] = [];
  private waiting?: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void };
  private done = false;
  /** Why it ended, for its next read: its source's error, or its falling behind. */
  private failure?: unknown;

  constructor(private readonly maxUnread: number) {}

  /** Lets go of what feeds it. */
  protected abstract leave(): void;

  push(value: T): void {
    if (this.done) return;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      return waiting.resolve({ value, done: false });
    }
    if (this.queued.length < this.maxUnread) return void this.queued.push(value);
    this.fail(new SubscriberNotReading());
  }

  /** Its source completed: what is queued is still read, then the end. */
  complete(): void {
    if (!this.end()) return;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve({ value: undefined, done: true });
  }

  /** Its source failed, or it fell behind: what was queued is dropped, and its next read fails (once). */
  fail(error: unknown): void {
    if (!this.end()) return;
    this.queued = [];
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting.reject(error);
    else this.failure = error;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined; // told once; then it is done
      return Promise.reject(failure);
    }
    if (this.queued.length > 0) return Promise.resolve({ value: this.queued.shift()!, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** Its reader is done with it: nothing more is queued or read. */
  return(): Promise<IteratorResult<T>> {
    this.end();
    this.queued = [];
    this.failure = undefined;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<T>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Ends it, once: false if it had ended already. */
  private end(): boolean {
    if (this.done) return false;
    this.done = true;
    this.leave();
    return true;
  }
}

/** One subscriber's changes, from its own listener, another entry's dropped before it is queued. */
class Listener extends BoundedQueue<EntryChange> {
  private readonly listener = (change: EntryChange) => {
    if (!this.accepts || this.accepts(change)) this.push(change);
  };

  constructor(
    private readonly emitter: EventEmitter,
    maxUnread: number,
    private readonly accepts?: (change: EntryChange) => boolean,
  ) {
    super(maxUnread);
    emitter.on(STATUS_CODE_CHANGED, this.listener);
  }

  protected leave(): void {
    this.emitter.off(STATUS_CODE_CHANGED, this.listener);
  }
}
