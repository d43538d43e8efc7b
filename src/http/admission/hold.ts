import type { Refusal } from "../exit/refusal";
import type { Transport } from "./subject";

/**
 * HAProxy's tarpit, for the refusals that tell a client to come back later (429 RATE_LIMITED,
 * 503 SERVICE_UNAVAILABLE): over HTTP they are answered `ms` after the refusal (never later than
 * their own Retry-After), not at once.
 *
 * Why: a flood's clients send their next request the moment the last is answered. Refused at
 * once, a thousand of them keep the one event loop busy refusing, and a client who behaves waits
 * behind every refusal (31 × its p99 alone under distinct documents from 1,000 addresses). Held,
 * each of their connections asks at most once per `ms`, whatever its speed. A client that honours
 * Retry-After loses nothing: it was not coming back sooner.
 *
 * Bounded: at most `max` refusals are held at once (each is a request's objects and a timer;
 * its connection counts as busy at the connection cap); past it, refusals go out at once.
 * graphql-ws is not held: a socket's refusals are its own messages, and ten of them close it.
 */
export interface RefusalHold {
  /** The refusals, once they may be sent. */
  hold(transport: Transport, refusals: readonly Refusal[]): Promise<readonly Refusal[]> | readonly Refusal[];
  /** How many are held now. */
  readonly held: number;
  /** Sends every held refusal now (shutdown). */
  release(): void;
}

const COME_BACK_LATER = new Set(["RATE_LIMITED", "SERVICE_UNAVAILABLE"]);

export function refusalHold(ms: number, max: number): RefusalHold {
  const pending = new Map<NodeJS.Timeout, () => void>();
  return {
    hold(transport, refusals) {
      const [first] = refusals;
      if (ms === 0 || transport === "graphql-ws" || !COME_BACK_LATER.has(first.code) || pending.size >= max) return refusals;
      const retryAfterMs = 1000 * Number(first.headers?.["retry-after"] ?? Infinity);
      return new Promise((resolve) => {
        const done = () => {
          pending.delete(timer);
          resolve(refusals);
        };
        const timer = setTimeout(done, Math.min(ms, retryAfterMs));
        pending.set(timer, done);
      });
    },
    get held() {
      return pending.size;
    },
    release() {
      for (const [timer, done] of pending) {
        clearTimeout(timer);
        done();
      }
    },
  };
}
