import { InMemoryLRUCache, type KeyValueCache, type KeyValueCacheSetOptions } from "@apollo/utils.keyvaluecache";
import type { DocumentNode, Token } from "graphql";
import { LRUCache } from "lru-cache";
import { HASH_CACHE_BYTES, hashEntryBytes } from "./limits/document-gate";

/**
 * Heap bytes of one parsed document, estimated from its tokens. Apollo parses with locations,
 * so a cached document keeps every token of its source (a linked list through its Location
 * objects) and the source text itself: measured on distinct `query Op_… { __typename }`, about
 * 400 bytes of heap per token, node, location and array included. Apollo's default estimate,
 * the document's JSON length, undercounts this about 3 times and costs a JSON.stringify per
 * document: its 30 MiB held about 100 MB of heap, and the process grew to 880 MiB.
 */
const BYTES_PER_TOKEN = 400;
/** The cache key (a SHA-256 in hex, with the schema-hash prefix) and the LRU's own bookkeeping. */
const BYTES_PER_ENTRY = 300;

export function documentBytes(document: DocumentNode): number {
  const loc = document.loc;
  if (!loc) return BYTES_PER_ENTRY + 3 * JSON.stringify(document).length;
  let tokens = 0;
  for (let token: Token | null = loc.startToken; token; token = token.next) tokens += 1; // at most MAX_QUERY_TOKENS + 2
  return BYTES_PER_ENTRY + tokens * BYTES_PER_TOKEN + 2 * loc.source.body.length;
}

/**
 * Apollo's store of parsed and validated documents, bounded by their estimated heap bytes, that
 * keeps a document only when it comes a second time (its hash is remembered the first time, in
 * HASH_CACHE_BYTES). Clients repeat their documents; a flood of documents sent once each, as
 * anyone may send, then never evicts them and leaves no parsed document behind. Measured with
 * rounds of 20,000 distinct `query Op_… { __typename }`: without this, every one was kept and
 * then evicted, and the heap of dead documents this churn left between collections took the
 * process about 3 times the store's size above its idle size.
 */
export function documentStore(maxBytes: number): KeyValueCache<DocumentNode> {
  return new KeptOnSecondSight(new InMemoryLRUCache<DocumentNode>({ maxSize: maxBytes, sizeCalculation: documentBytes }));
}

class KeptOnSecondSight<V> implements KeyValueCache<V> {
  private readonly seenOnce = new LRUCache<string, true>({ maxSize: HASH_CACHE_BYTES, sizeCalculation: hashEntryBytes });

  constructor(private readonly store: KeyValueCache<V>) {}

  get(key: string): Promise<V | undefined> {
    return this.store.get(key);
  }

  async set(key: string, value: V, options?: KeyValueCacheSetOptions): Promise<void> {
    if (this.seenOnce.delete(key)) return this.store.set(key, value, options);
    this.seenOnce.set(key, true);
  }

  async delete(key: string): Promise<boolean | void> {
    this.seenOnce.delete(key);
    return this.store.delete(key);
  }
}

/**
 * Persisted queries kept in this process (without Redis): query texts by hash, bounded by
 * their bytes (two per character: the worst case of V8's strings) and their keys'.
 */
export function persistedQueryStore(maxBytes: number): InMemoryLRUCache<string> {
  return new InMemoryLRUCache<string>({ maxSize: maxBytes, sizeCalculation: (query, key) => BYTES_PER_ENTRY + 2 * (query.length + key.length) });
}
