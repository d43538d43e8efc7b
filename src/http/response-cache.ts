import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { LRUCache } from "lru-cache";
import { negotiatedMediaType } from "./representation";
import { pathOf } from "./request-guards";

declare module "fastify" {
  interface FastifyRequest {
    /** Set for a GET or persisted-query request to /graphql: its cache key and ETag. */
    cacheSlot?: CacheSlot;
  }
}

export interface CacheSlot {
  key: string;
  etag: string;
  /** The catalogue revision the key was derived from. */
  revision: string;
  hit: boolean;
}

interface Stored {
  status: number;
  contentType: string;
  body: string;
}

/**
 * Whole responses, least recently used first out, bounded in bytes (RESPONSE_CACHE_BYTES; one
 * response may take at most a quarter). Keys embed the catalogue revision, and the cache empties
 * when the revision changes: nothing older than the catalogue is ever served.
 */
export class ResponseCache {
  private readonly entries?: LRUCache<string, Stored>;
  private revision = "";
  hits = 0;
  misses = 0;

  constructor(maxBytes: number) {
    if (maxBytes > 0) {
      this.entries = new LRUCache<string, Stored>({
        maxSize: maxBytes,
        maxEntrySize: Math.floor(maxBytes / 4),
        sizeCalculation: (value, key) => Buffer.byteLength(value.body) + key.length,
      });
    }
  }

  get(key: string, revision: string): Stored | undefined {
    this.follow(revision);
    const hit = this.entries?.get(key);
    if (hit) this.hits += 1;
    else this.misses += 1;
    return hit;
  }

  set(key: string, revision: string, value: Stored): void {
    this.follow(revision);
    this.entries?.set(key, value);
  }

  /** What /readyz and the metrics report. */
  stats(): { entries: number; bytes: number; hits: number; misses: number } {
    return { entries: this.entries?.size ?? 0, bytes: this.entries?.calculatedSize ?? 0, hits: this.hits, misses: this.misses };
  }

  private follow(revision: string): void {
    if (revision === this.revision) return;
    this.entries?.clear();
    this.revision = revision;
  }
}

/**
 * HTTP caching that does no work: the key (and the ETag, derived from it) is known before
 * execution, from the catalogue revision, the caller's role, the document's hash, the
 * operation name, the variables and the media type negotiated from Accept (the representation,
 * not the header's spelling: one representation has one ETag). So an `If-None-Match` that
 * matches is answered 304 and a repeated GET or persisted query is answered from memory,
 * without parsing, validating or executing anything. Only error-free 200s of queries are
 * stored (the response policy decides), and only anonymous GETs are cacheable by browsers.
 */
export function responseCaching(cache: ResponseCache, revision: () => string, maxAgeSeconds: number) {
  const lookup = async (request: FastifyRequest, reply: FastifyReply) => {
    const slot = slotOf(request, revision());
    if (!slot) return;
    request.cacheSlot = slot;
    if (browserCacheable(request) && matchesTag(request.headers["if-none-match"], slot.etag)) {
      slot.hit = true;
      setCacheHeaders(reply, slot.etag, maxAgeSeconds);
      return reply.code(304).send();
    }
    const hit = cache.get(slot.key, slot.revision);
    if (hit) {
      slot.hit = true;
      return reply.code(hit.status).type(hit.contentType).send(hit.body);
    }
  };
  /** Called by the response policy with the final status and body of a clean query response. */
  const store = (request: FastifyRequest, reply: FastifyReply, body: string) => {
    const slot = request.cacheSlot;
    // A response computed while the catalogue changed under it is not kept.
    if (!slot || slot.hit || slot.revision !== revision()) return;
    cache.set(slot.key, slot.revision, { status: reply.statusCode, contentType: String(reply.getHeader("content-type")), body });
  };
  return { lookup, store };
}

/** Browsers and shared caches may keep anonymous GET responses only: the others depend on the key. */
export function browserCacheable(request: FastifyRequest): boolean {
  return request.method === "GET" && !request.headers.authorization && request.cacheSlot !== undefined;
}

export function setCacheHeaders(reply: FastifyReply, etag: string, maxAgeSeconds: number): void {
  reply.header("etag", etag).header("cache-control", `public, max-age=${maxAgeSeconds}`).header("vary", "Accept, Authorization");
}

/** If-None-Match uses the weak comparison (RFC 9110 Section 13.1.2). */
export function matchesTag(header: string | undefined, etag: string, star = false): boolean {
  if (!header) return false;
  return header.split(",").some((tag) => {
    const t = tag.trim();
    return (star && t === "*") || t.replace(/^W\//, "") === etag;
  });
}

function slotOf(request: FastifyRequest, revision: string): CacheSlot | undefined {
  const get = request.method === "GET";
  if ((!get && request.method !== "POST") || pathOf(request.url) !== "/graphql") return undefined;
  const params = (get ? request.query : request.body) as Record<string, unknown> | undefined;
  if (!params || typeof params !== "object" || Array.isArray(params)) return undefined;
  const extensions = get ? (params.extensions === undefined ? undefined : parseJson(params.extensions)) : params.extensions;
  const persisted = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
  if (!get && typeof persisted !== "string") return undefined; // a plain POST is executed every time
  let document: string;
  if (typeof params.query === "string") {
    // A hash sent with its query must match it: a mismatch is Apollo's to refuse, never a key
    // to someone else's answer. Checked only then: a plain GET is keyed by its text (one hash).
    if (persisted !== undefined && persisted !== createHash("sha256").update(params.query).digest("hex")) return undefined;
    document = persisted ?? params.query;
  } else if (typeof persisted === "string") {
    document = persisted;
  } else {
    return undefined;
  }
  const variables = get ? String(params.variables ?? "") : JSON.stringify(params.variables ?? null);
  const role = request.principal?.role ?? "anonymous";
  const key = createHash("sha256")
    // JSON, not a separator: no two different requests can spell the same key.
    .update(JSON.stringify([revision, role, String(params.operationName ?? ""), variables, negotiatedMediaType(request.headers.accept), document]))
    .digest("base64url");
  return { key, etag: `"${key}"`, revision, hit: false };
}

function parseJson(value: unknown): unknown {
  if (typeof value !== "string") return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
