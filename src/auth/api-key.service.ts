import { createHash, randomBytes, randomUUID } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { ApiKeyModel, ApiKeyRecord } from "./api-key.model";
import { ROLES, type Principal, type Role } from "./principal";

const KEY_PREFIX = "sg_";

function hashOf(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

const MAX_CACHED_KEYS = 10_000;

/**
 * Keys are 192 random bits, so a fast hash is enough to store them (no password stretching
 * needed), and lookup by hash is a single indexed query. A found key is reused for `cacheMs`
 * (at most a second, so a key revoked by any process stops working everywhere within it);
 * unknown keys are never cached, so a key created a moment ago works at once.
 */
export class ApiKeyService {
  private readonly cache?: LRUCache<string, Principal>;

  constructor(
    private readonly model: ApiKeyModel,
    cacheMs = 0,
  ) {
    // An entry is never served past its ttl (lru-cache checks it on get).
    if (cacheMs > 0) this.cache = new LRUCache({ max: MAX_CACHED_KEYS, ttl: cacheMs });
  }

  async create(name: string, role: Role): Promise<{ id: string; key: string }> {
    if (!ROLES.includes(role)) throw new Error(`Unknown role "${role}": use one of ${ROLES.join(", ")}`);
    if (!name.trim()) throw new Error("A key needs a name");
    const key = KEY_PREFIX + randomBytes(24).toString("base64url");
    const id = randomUUID();
    await this.model.create({ _id: id, name: name.trim(), role, hash: hashOf(key), prefix: key.slice(0, 8), createdAt: new Date() });
    return { id, key };
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.model.find({}, { hash: 0 }).sort({ createdAt: 1 }).lean<ApiKeyRecord[]>();
  }

  /** Revokes by id; false when there is no such active key. */
  async revoke(id: string): Promise<boolean> {
    const result = await this.model.updateOne({ _id: id, revokedAt: null }, { $set: { revokedAt: new Date() } });
    return result.modifiedCount === 1;
  }

  /**
   * Which of these key ids are revoked (or gone), read from the database, never from the cache:
   * sockets opened with a key ask this every second, so a revocation reaches them as fast as it
   * reaches HTTP. One query for any number of keys, with no clock compared.
   */
  async revokedAmong(ids: readonly string[]): Promise<string[]> {
    const revoked: string[] = [];
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      const active = await this.model.find({ _id: { $in: chunk }, revokedAt: null }, { _id: 1 }).lean<{ _id: string }[]>();
      const activeIds = new Set(active.map((k) => k._id));
      revoked.push(...chunk.filter((id) => !activeIds.has(id)));
    }
    return revoked;
  }

  /** The principal of an active key, or null for an unknown or revoked one. */
  async authenticate(key: string): Promise<Principal | null> {
    if (!key.startsWith(KEY_PREFIX)) return null;
    const hash = hashOf(key);
    const cached = this.cache?.get(hash);
    if (cached) return cached;
    const found = await this.model.findOne({ hash, revokedAt: null }).lean<ApiKeyRecord>();
    if (!found) return null;
    const principal: Principal = { keyId: found._id, name: found.name, role: found.role };
    this.cache?.set(hash, principal);
    return principal;
  }
}
