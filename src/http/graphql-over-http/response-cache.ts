import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { FastifyReply, FastifyRequest } from "fastify";
import { OperationTypeNode } from "graphql";
import { LRUCache } from "lru-cache";
import { hashMismatch } from "../../graphql/trusted-documents";
import { negotiatedMediaType } from "../representation";
import type { GraphqlRequest } from "../admission/request";

export interface CacheSlot {
  key: string;
  /** A plain POST: kept the second time its key is answered (anyone can POST new documents). */
  secondSight: boolean;
  etag: string;
  /** The catalogue digest the key was derived from. */
  digest: string;
  /** GET without credentials: browsers and shared caches may keep and revalidate it. */
  public: boolean;
}

export interface Stored {
  status: number;
  contentType: string;
  body: Buffer;
  /** For the metrics of a hit, which runs nothing: the name, and whether a trusted document ran. */
  operationName?: string;
  listed?: boolean;
}

const ENTRY_OVERHEAD_BYTES = 512;

/**
 * Whole responses, least recently used first out, bounded in bytes (RESPONSE_CACHE_BYTES; one
 * response may take at most a quarter). Keys embed the catalogue digest, and the cache empties
 * when the digest changes: nothing older than the catalogue is ever served.
 */
export class ResponseCache {
  private readonly entries?: LRUCache<string, Stored>;
  /** Keys of POSTed answers seen once (a flood of one-off documents never displaces the others). */
  private readonly seen = new LRUCache<string, true>({ max: 10_000 });
  private digest = "";
  hits = 0;
  misses = 0;

  constructor(maxBytes: number) {
    if (maxBytes > 0) {
      this.entries = new LRUCache<string, Stored>({
        maxSize: maxBytes,
        maxEntrySize: Math.floor(maxBytes / 4),
        // The heap an entry really takes besides its body: the key, the entry, the Buffer's own
        // object and the cache's bookkeeping (about 500 bytes, measured with heap snapshots), so
        // that a flood of tiny distinct answers is bounded by what it holds, not by its bodies.
        sizeCalculation: (value, key) => value.body.length + 2 * key.length + ENTRY_OVERHEAD_BYTES,
      });
    }
  }

  get(slot: CacheSlot): Stored | undefined {
    this.follow(slot.digest);
    const hit = this.entries?.get(slot.key);
    if (hit) this.hits += 1;
    else this.misses += 1;
    return hit;
  }

  /** Whether a get would hit, without counting it. */
  has(slot: CacheSlot): boolean {
    this.follow(slot.digest);
    return this.entries?.has(slot.key) ?? false;
  }

  set(slot: CacheSlot, value: Stored): void {
    this.follow(slot.digest);
    if (slot.secondSight && !this.seen.has(slot.key)) {
      this.seen.set(slot.key, true);
      return;
    }
    this.entries?.set(slot.key, value);
  }

  /** What /readyz and the metrics report. */
  stats(): { entries: number; bytes: number; hits: number; misses: number } {
    return { entries: this.entries?.size ?? 0, bytes: this.entries?.calculatedSize ?? 0, hits: this.hits, misses: this.misses };
  }

  private follow(digest: string): void {
    if (digest === this.digest) return;
    this.entries?.clear();
    this.digest = digest;
  }
}

/**
 * The cache key of a read, known before execution: the catalogue digest, the caller's role,
 * the document (its text, or the persisted hash it was sent by), the operation name, the
 * variables and the representation negotiated from Accept (not the header's spelling: one
 * representation has one ETag). Every read of the catalogue is cacheable by its digest: GETs,
 * persisted queries and POSTed queries alike (a mutation's key is looked up and never stored).
 */
export function slotOf(method: string, request: GraphqlRequest | undefined, headers: IncomingHttpHeaders, role: string, digest: string): CacheSlot | undefined {
  if (!request) return undefined;
  // GET and QUERY are safe: their answers may be kept by browsers and shared caches.
  const safe = method === "GET" || method === "QUERY";
  const persisted = (request.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash;
  let document: string;
  if (typeof request.query === "string") {
    // A hash sent with its query must match it: a mismatch is refused (the same check as every
    // transport's), never a key to someone else's answer. A plain request is keyed by its text.
    if (hashMismatch(request.query, request.extensions)) return undefined;
    document = typeof persisted === "string" ? persisted : request.query;
  } else if (typeof persisted === "string") {
    document = persisted;
  } else {
    return undefined;
  }
  // The variables as values, however a GET spelled their JSON.
  const variables = JSON.stringify(request.variables ?? null);
  const key = createHash("sha256")
    // JSON, not a separator: no two different requests can spell the same key.
    .update(JSON.stringify([digest, role, request.operationName ?? "", variables, negotiatedMediaType(headers.accept), document]))
    .digest("base64url");
  // A plain POSTed document waits for its second sight; a persisted one was registered on purpose.
  return { key, etag: `"${key}"`, digest, public: safe && headers.authorization === undefined, secondSight: !safe && persisted === undefined };
}

/**
 * If-None-Match uses the weak comparison (RFC 9110 Section 13.1.2). "*" matches only once the
 * answer is known to be a clean one (after execution), never on the lookup before it.
 */
export function matchesTag(header: string | undefined, etag: string, star = false): boolean {
  if (!header) return false;
  return header.split(",").some((tag) => {
    const t = tag.trim();
    return (star && t === "*") || t.replace(/^W\//, "") === etag;
  });
}

/** What a cacheable answer varies on, and how long it may be kept by browsers and shared caches. */
export const CACHE_VARY = "Accept, Authorization";
export const publicCacheControl = (maxAgeSeconds: number) => `public, max-age=${maxAgeSeconds}`;

/** The caching headers of a cacheable answer; everything else is `no-store`. */
export function cacheHeaders(slot: CacheSlot | undefined, maxAgeSeconds: number): [string, string][] {
  if (!slot?.public) return [["cache-control", "no-store"]];
  return [
    ["etag", slot.etag],
    ["cache-control", publicCacheControl(maxAgeSeconds)],
    ["vary", CACHE_VARY],
  ];
}

/**
 * The stage before the limits and execution: a read the cache can answer is answered from
 * memory (a matching If-None-Match with 304), without parsing, validating or executing
 * anything. Each was accepted by every later stage when it was first answered.
 */
export function responseCacheStage(cache: ResponseCache, digest: () => string, maxAgeSeconds: number) {
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined => {
    const { state } = request;
    const slot = slotOf(state.method, state.graphql, request.headers, state.principal?.role ?? "anonymous", digest());
    if (!slot) return undefined;
    request.state.cache = slot;
    if (slot.public && matchesTag(request.headers["if-none-match"], slot.etag)) {
      return reply.headers(Object.fromEntries(cacheHeaders(slot, maxAgeSeconds))).code(304).send();
    }
    const hit = cache.get(slot);
    if (!hit) return undefined;
    request.state.operation = { type: OperationTypeNode.QUERY, name: hit.operationName, listed: hit.listed };
    return reply.headers(Object.fromEntries(cacheHeaders(slot, maxAgeSeconds))).code(hit.status).type(hit.contentType).send(hit.body);
  };
}
