import { EventEmitter, on } from "node:events";
import type { PubSub } from "type-graphql";
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

/**
 * The changes of this process's read model, as events: every replica's model follows every
 * write (its own at once, the others' through the revision poll or the Redis signal), so each
 * replica tells its own subscribers about every write, in version order per entry, once per
 * version it sees. type-graphql's PubSub interface, over an EventEmitter.
 */
export class CatalogueEvents implements PubSub {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

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

  subscribe(topic: string): AsyncIterable<unknown> {
    const emitter = this.emitter;
    return (async function* () {
      // Ends (and removes its listener) when the subscriber completes or disconnects.
      for await (const [payload] of on(emitter, topic)) yield payload;
    })();
  }
}
