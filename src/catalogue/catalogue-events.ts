import { EventEmitter } from "node:events";
import type { PubSub } from "type-graphql";
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
 * version it sees. type-graphql's PubSub interface, over an EventEmitter.
 */
export class CatalogueEvents implements PubSub {
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
    this.publish(STATUS_CODE_CHANGED, { code: after.code, kind, version: after.version, entry: after } satisfies EntryChange);
  }

  get subscribers(): number {
    return this.emitter.listenerCount(STATUS_CODE_CHANGED);
  }

  publish(topic: string, payload: unknown): void {
    this.emitter.emit(topic, payload);
  }

  /**
   * One subscriber's events, from its own listener. Not an async generator over `events.on`:
   * a generator waiting for its next event cannot be returned (its `return()` waits for the next
   * `yield`), so a subscriber that left while nothing happened kept its listener, and with it its
   * whole execution, for good (57 KB each, measured, never freed); and `events.on` itself takes
   * 35 KB a subscriber for its queues. This one drops its listener the moment it is returned.
   */
  subscribe(topic: string): AsyncIterableIterator<unknown> {
    return new Listener(this.emitter, topic, this.maxUnread);
  }

  /**
   * The changes of the given entries (all when `codes` is absent), filtered as they happen: a
   * change of another entry is never queued. The subscription's own iterator, where type-graphql's
   * `filter` wraps the topic's in a Repeater pipeline of generators and promises (about 3 KB an
   * idle subscriber, docs/limits.md).
   */
  changes(codes?: readonly number[] | null): AsyncIterableIterator<EntryChange> {
    const wanted = codes ? new Set(codes) : undefined;
    return new Listener(this.emitter, STATUS_CODE_CHANGED, this.maxUnread, wanted && ((change) => wanted.has((change as EntryChange).code))) as AsyncIterableIterator<EntryChange>;
  }
}

/**
 * The events of one topic as an async iterator, held in a plain array until read, at most
 * `maxUnread` of them: past that its subscriber is cut off (its next read fails with
 * SubscriberNotReading) and what was waiting is dropped, instead of growing without limit.
 */
class Listener implements AsyncIterableIterator<unknown> {
  private queued: unknown[] = [];
  private waiting?: (result: IteratorResult<unknown>) => void;
  private done = false;
  private cutOff = false;
  private readonly listener = (payload: unknown) => {
    if (this.accepts && !this.accepts(payload)) return;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      return waiting({ value: payload, done: false });
    }
    if (this.queued.length < this.maxUnread) return void this.queued.push(payload);
    this.cutOff = true;
    void this.return();
  };

  constructor(
    private readonly emitter: EventEmitter,
    private readonly topic: string,
    private readonly maxUnread: number,
    private readonly accepts?: (payload: unknown) => boolean,
  ) {
    emitter.on(topic, this.listener);
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.cutOff) {
      this.cutOff = false; // told once; then it is done
      return Promise.reject(new SubscriberNotReading());
    }
    if (this.queued.length > 0) return Promise.resolve({ value: this.queued.shift(), done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<unknown>> {
    if (!this.done) {
      this.done = true;
      this.queued = [];
      this.emitter.off(this.topic, this.listener);
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.({ value: undefined, done: true });
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<unknown>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    return this;
  }
}
