import type { Redis } from "ioredis";
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { Config } from "../config";
import type { Charge, ChargeFn } from "../graphql/charge";

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
      const memory = new BoundedRateLimiterMemory({ points, duration }, config.memoryBytes);
      if (!redis) return memory;
      const keyPrefix = `statusgraph:rl:${name}`;
      return new RateLimiterRedis({ storeClient: redis, points, duration, keyPrefix, rejectIfRedisNotReady: true, insuranceLimiter: memory });
    };
    this.byAddress = limiter("address", config.budget);
    this.byKey = limiter("key", config.keyBudget);
    this.authFailures = limiter("auth", config.authFailures);
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
}

/**
 * Heap bytes one entry of rate-limiter-flexible's memory store takes, measured (Node 20, with
 * --expose-gc): 494 for a 19-character key (a Map entry, the key, a record and the Timeout that
 * deletes it when its window ends); rounded up here for keys as long as an IPv6 address's.
 */
export const LIMITER_ENTRY_BYTES = 600;

/**
 * rate-limiter-flexible's memory store with a bound on its entries (`bytes` / LIMITER_ENTRY_BYTES).
 * An entry is only ever removed when its window has ended (the store's own timer does it), so no
 * client ever gets a budget back before the window that spent it is over. While the store is full
 * of live entries, an address it does not hold spends from one shared overflow entry, a budget the
 * size of one address's, with every other such newcomer: never a fresh budget of its own. A
 * flood from many addresses thus costs at most `bytes`, and beyond that shares one budget.
 */
class BoundedRateLimiterMemory extends RateLimiterMemory {
  private readonly maxEntries: number;
  private readonly overflowKey: string;

  constructor(options: ConstructorParameters<typeof RateLimiterMemory>[0], bytes: number) {
    super(options);
    this.maxEntries = Math.max(1, Math.floor(bytes / LIMITER_ENTRY_BYTES));
    this.overflowKey = super.getKey("\0overflow"); // no address or key id looks like this
  }

  override getKey(key: string | number): string {
    const own = super.getKey(key);
    const storage = this.storage();
    return storage.has(own) || storage.size < this.maxEntries ? own : this.overflowKey;
  }

  /** The store's Map, which rate-limiter-flexible 11 keeps as `_memoryStorage._storage`. */
  private storage(): Map<string, unknown> {
    return (this as unknown as { _memoryStorage: { _storage: Map<string, unknown> } })._memoryStorage._storage;
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
