import type { FastifyReply, FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { Config } from "../config";
import { errorBody } from "./error-body";
import { ietfRateLimitHeaders } from "./rate-limit-headers";

/** The outcome of spending from a budget, with what the rate-limit headers report. */
export interface Charge {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (the Retry-After of a refusal). */
  resetSeconds: number;
  windowSeconds: number;
  /** The budget spent from: per API key, or per client address (the RateLimit fields name it). */
  policy: "key" | "address";
}

/** Spends the caller's budget: bound to one request's caller. */
export type ChargeFn = (units: number) => Promise<Charge>;

/**
 * Budgets in cost units per window (not requests): every /graphql request spends 1 unit on
 * arrival and its operation's cost once that is known, per API key when a valid one was
 * sent, else per client address. Failed authentications have a budget of their own per
 * address, checked before the key lookup, so guessing keys costs neither the database nor
 * the guesser's neighbours anything.
 */
export class RateBudgets {
  private readonly byAddress: RateLimiterAbstract;
  private readonly byKey: RateLimiterAbstract;
  private readonly authFailures: RateLimiterAbstract;

  /**
   * With Redis, every replica spends from the same budgets; while Redis is unreachable each
   * falls back at once to its own in-memory budget of the same size (the "insurance" limiter).
   */
  constructor(
    private readonly config: Config["rateLimit"],
    redis?: Redis,
  ) {
    const duration = config.windowMs / 1000;
    const limiter = (name: string, points: number) => {
      const memory = new RateLimiterMemory({ points, duration });
      if (!redis) return memory;
      const keyPrefix = `statusgraph:rl:${name}`;
      return new RateLimiterRedis({ storeClient: redis, points, duration, keyPrefix, rejectIfRedisNotReady: true, insuranceLimiter: memory });
    };
    this.byAddress = limiter("address", config.budget);
    this.byKey = limiter("key", config.keyBudget);
    this.authFailures = limiter("auth", config.authFailures);
  }

  /** The charging function of one request's caller. */
  chargerFor(request: FastifyRequest): ChargeFn {
    return this.chargerOf(request.principal?.keyId, request.ip);
  }

  /** The charging function of a key, or else of a client address (HTTP and WebSocket alike). */
  chargerOf(keyId: string | undefined, address: string): ChargeFn {
    const [limiter, subject] = keyId ? [this.byKey, `key:${keyId}`] : [this.byAddress, `ip:${address}`];
    const policy = keyId ? "key" : "address";
    return (units) => spend(limiter, subject, units, this.config.windowMs / 1000, policy);
  }

  /** Seconds the address must wait before it may try a key again; 0 when it may now. */
  async authBlockedFor(address: string): Promise<number> {
    const res = await this.authFailures.get(address);
    return res && res.consumedPoints >= this.config.authFailures ? seconds(res.msBeforeNext) : 0;
  }

  async recordAuthFailure(address: string): Promise<void> {
    await this.authFailures.penalty(address, 1);
  }

  /** The onRequest hook of /graphql: 1 unit for arriving, 429 once the budget is spent. */
  arrivalHook() {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const charge = await this.chargerFor(request)(1);
      setRateHeaders(reply, charge);
      if (!charge.allowed) return refuse(reply, charge.resetSeconds, budgetMessage(charge));
    };
  }
}

async function spend(limiter: RateLimiterAbstract, subject: string, units: number, windowSeconds: number, policy: Charge["policy"]): Promise<Charge> {
  const charge = (allowed: boolean, res: RateLimiterRes): Charge => ({
    allowed,
    limit: limiter.points,
    remaining: res.remainingPoints,
    resetSeconds: seconds(res.msBeforeNext),
    windowSeconds,
    policy,
  });
  try {
    return charge(true, await limiter.consume(subject, units));
  } catch (refused) {
    if (!(refused instanceof RateLimiterRes)) throw refused;
    return charge(false, refused);
  }
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export function budgetMessage(charge: Charge): string {
  return `Rate limit: the budget of ${charge.limit} cost units per ${charge.windowSeconds} seconds is spent; retry in ${charge.resetSeconds} s`;
}

/**
 * The headers of every charged response (exposed to browsers by CORS): the IETF draft's
 * RateLimit-Policy and RateLimit, and the older x-ratelimit-* that existing clients read.
 */
export function rateHeaders(charge: Charge): [string, string][] {
  return [
    ["x-ratelimit-limit", String(charge.limit)],
    ["x-ratelimit-remaining", String(charge.remaining)],
    ["x-ratelimit-reset", String(charge.resetSeconds)],
    ...ietfRateLimitHeaders(charge),
  ];
}

function setRateHeaders(reply: FastifyReply, charge: Charge) {
  for (const [name, value] of rateHeaders(charge)) reply.header(name, value);
}

export function refuse(reply: FastifyReply, retryAfterSeconds: number, message: string) {
  return reply.code(429).header("retry-after", String(retryAfterSeconds)).send(errorBody("RATE_LIMITED", message));
}
