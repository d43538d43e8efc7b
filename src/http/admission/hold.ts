import type { Refusal } from "../exit/refusal";
import { factsOf } from "../../errors/error-codes";
import type { Subject } from "./subject";

/**
 * HAProxy's tarpit, for the refusals that tell a client to come back later (429 RATE_LIMITED,
 * 503 SERVICE_UNAVAILABLE): over HTTP they are answered `ms` after the refusal (three times that
 * under a flood, FLOOD_HOLD_FACTOR; never later than their own Retry-After), not at once, and
 * their Retry-After counts the time held.
 *
 * Why: a flood's clients send their next request the moment the last is answered. Refused at
 * once, a thousand of them keep the one event loop busy refusing, and a client who behaves waits
 * behind every refusal (31 × its p99 alone under distinct documents from 1,000 addresses). Held,
 * a client that waits for its answers asks at most once per `ms` on each connection. A client
 * that honours Retry-After loses nothing: it was not coming back sooner.
 *
 * Bounded: at most `max` refusals are held at once (each is a request's objects and a timer;
 * its connection counts as busy at the connection cap), and at most `maxPerAddress` for one
 * address, so that one address pipelining thousands of requests on a connection cannot take
 * every place and leave everyone else's refusals unheld. Past either, refusals go out at once.
 * graphql-ws is not held: a socket's refusals are its own messages, and ten of them close it.
 */
export interface RefusalHold {
  /** The refusals, once they may be sent. */
  hold(subject: Pick<Subject, "transport" | "address">, refusals: readonly Refusal[]): Promise<readonly Refusal[]> | readonly Refusal[];
  /** How many are held now. */
  readonly held: number;
  /** Sends every held refusal now, and holds none from then on (shutdown). */
  release(): void;
}

const COME_BACK_LATER = new Set(["RATE_LIMITED", "SERVICE_UNAVAILABLE"]);

/**
 * While a tenth of the places are taken (a flood: ordinary traffic holds a few), a refusal is
 * held this many times `ms`, still never past its Retry-After: the flood's clients then ask a
 * third as often. Under distinct documents from 1,000 addresses, 3 s against 1 s (REFUSAL_HOLD_MS)
 * took the normal client's p99 from 1.90 × its p99 alone to 1.50-1.71 × (alternated, 2026-12-05):
 * each request a flood sends is refused, held and promoted out of the young generation, and it
 * is their number that the collections' pauses follow. A client that honours Retry-After loses
 * nothing (a 503's is 5 s); one refused outside a flood waits `ms`, as before.
 */
export const FLOOD_HOLD_FACTOR = 3;
/** A flood: this many held at once, a tenth of the places (at least 16: a small server's few are no flood). */
const floodAt = (max: number) => Math.max(16, Math.floor(max / 10));

export function refusalHold(ms: number, max: number, maxPerAddress: number): RefusalHold {
  const pending = new Map<NodeJS.Timeout, () => void>();
  const byAddress = new Map<string, number>();
  let released = false;
  return {
    hold({ transport, address }, refusals) {
      const [first] = refusals;
      if (ms === 0 || released || transport === "graphql-ws" || !COME_BACK_LATER.has(first.code)) return refusals;
      const mine = byAddress.get(address) ?? 0;
      if (pending.size >= max || mine >= maxPerAddress) return refusals;
      const retryAfter = Number(first.headers?.["retry-after"] ?? factsOf(first.code).retryAfterSeconds ?? Infinity);
      const flooded = pending.size >= floodAt(max);
      const heldMs = Math.min(flooded ? ms * FLOOD_HOLD_FACTOR : ms, 1000 * retryAfter);
      byAddress.set(address, mine + 1);
      const started = performance.now();
      return new Promise((resolve) => {
        const done = () => {
          pending.delete(timer);
          const left = (byAddress.get(address) ?? 1) - 1;
          if (left > 0) byAddress.set(address, left);
          else byAddress.delete(address);
          const waited = performance.now() - started; // less than heldMs at shutdown
          resolve(Number.isFinite(retryAfter) ? refusals.map((r) => waitedFor(r, retryAfter, waited)) : refusals);
        };
        const timer = setTimeout(done, heldMs);
        pending.set(timer, done);
      });
    },
    get held() {
      return pending.size;
    },
    release() {
      released = true;
      for (const [timer, done] of pending) {
        clearTimeout(timer);
        done();
      }
    },
  };
}

/** A refusal whose Retry-After (header and details) counts the time it was held. */
function waitedFor(refusal: Refusal, retryAfter: number, heldMs: number): Refusal {
  const left = String(Math.max(0, retryAfter - Math.round(heldMs / 1000)));
  const details = refusal.details && "retryAfterSeconds" in refusal.details ? { ...refusal.details, retryAfterSeconds: Number(left) } : refusal.details;
  return { ...refusal, details, headers: { ...refusal.headers, "retry-after": left } };
}
