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
  hold(subject: Pick<Subject, "transport" | "address" | "charge">, refusals: readonly Refusal[]): Promise<readonly Refusal[]> | readonly Refusal[];
  /** How many are held now. */
  readonly held: number;
  /** Sends every held refusal now, and holds none from then on (shutdown). */
  release(): void;
}

const COME_BACK_LATER = new Set(["RATE_LIMITED", "SERVICE_UNAVAILABLE"]);

/**
 * While refusals of a tenth as many addresses as there are places are held at once (a flood from
 * many addresses: ordinary traffic holds a few), a refusal is held this many times `ms`, at most
 * MAX_FLOOD_HOLD_MS, and never past its Retry-After: the flood's clients then ask a third as
 * often. Addresses, not refusals: four addresses filling their share of places
 * (MAX_SOCKETS_PER_ADDRESS each) must not lengthen everyone else's hold; and one address held
 * longer is still one address, so the mode does not feed itself. Under distinct documents from
 * 1,000 addresses, 3 s against 1 s (REFUSAL_HOLD_MS) took the normal client's p99 from 1.90 × its
 * p99 alone to 1.50-1.71 × (alternated, 2026-12-05): each request a flood sends is refused, held
 * and promoted out of the young generation, and it is their number that the collections' pauses
 * follow. A client that honours Retry-After loses nothing (a 503's is 5 s).
 */
export const FLOOD_HOLD_FACTOR = 3;
const MAX_FLOOD_HOLD_MS = 5000;
/** A flood: this many addresses held at once, a tenth of the places (at least 16: a small server's few are no flood). */
const floodAt = (max: number) => Math.max(16, Math.floor(max / 10));
/** The hold under a flood: FLOOD_HOLD_FACTOR times `ms`, at most MAX_FLOOD_HOLD_MS (never less than `ms`). */
const floodHold = (ms: number) => Math.max(ms, Math.min(ms * FLOOD_HOLD_FACTOR, MAX_FLOOD_HOLD_MS));

export function refusalHold(ms: number, max: number, maxPerAddress: number): RefusalHold {
  const pending = new Map<NodeJS.Timeout, () => void>();
  const byAddress = new Map<string, number>();
  let released = false;
  return {
    hold(subject, refusals) {
      const { transport, address } = subject;
      const [first] = refusals;
      if (ms === 0 || released || transport === "graphql-ws" || !COME_BACK_LATER.has(first.code)) return refusals;
      const mine = byAddress.get(address) ?? 0;
      if (pending.size >= max || mine >= maxPerAddress) return refusals;
      const retryAfter = Number(first.headers?.["retry-after"] ?? factsOf(first.code).retryAfterSeconds ?? Infinity);
      const heldMs = Math.min(byAddress.size >= floodAt(max) ? floodHold(ms) : ms, 1000 * retryAfter);
      byAddress.set(address, mine + 1);
      const started = performance.now();
      return new Promise((resolve) => {
        const done = (timedOut = false) => {
          pending.delete(timer);
          const left = (byAddress.get(address) ?? 1) - 1;
          if (left > 0) byAddress.set(address, left);
          else byAddress.delete(address);
          // Less than heldMs at shutdown. A timer may fire a moment before performance.now()
          // says heldMs have passed (Node reads the loop's clock once a turn): it held heldMs.
          const measured = performance.now() - started;
          const waited = timedOut ? Math.max(heldMs, measured) : measured;
          // The budget's headers (x-ratelimit-reset, RateLimit's t=) count the hold down as Retry-After does.
          if (subject.charge) subject.charge = { ...subject.charge, resetSeconds: secondsLeft(subject.charge.resetSeconds, waited) };
          resolve(Number.isFinite(retryAfter) ? refusals.map((r) => waitedFor(r, retryAfter, waited)) : refusals);
        };
        const timer = setTimeout(() => done(true), heldMs);
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

/**
 * Seconds left of `seconds` once `heldMs` have passed, rounded up: a client told to come back
 * then is never early (a timer that fired late must not round the wait away).
 */
function secondsLeft(seconds: number, heldMs: number): number {
  return Math.max(0, Math.ceil(seconds - heldMs / 1000));
}

/** A refusal whose Retry-After (header and details) counts the time it was held. */
function waitedFor(refusal: Refusal, retryAfter: number, heldMs: number): Refusal {
  const left = String(secondsLeft(retryAfter, heldMs));
  const details = refusal.details && "retryAfterSeconds" in refusal.details ? { ...refusal.details, retryAfterSeconds: Number(left) } : refusal.details;
  return { ...refusal, details, headers: { ...refusal.headers, "retry-after": left } };
}
