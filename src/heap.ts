import { setFlagsFromString } from "node:v8";
import type { Config } from "./config";

/**
 * The V8 heap the server runs with, set where it starts (`npm start`, the Docker image, the
 * tests' and the bench's server processes) as NODE_OPTIONS, so an operator can give another.
 * Without a limit V8 sizes the old space from the machine's memory and lets it grow long before
 * it collects: under floods of thousands of addresses the process reached 867-919 MiB (bench of
 * 2026-12-05), while a heap snapshot in the middle of one found 75 MB alive. With 384 MiB it
 * collects sooner and stayed at 163-318 MiB under the same floods, the live heap far below it.
 */
export const HEAP_LIMIT_MIB = 384;
/**
 * The young generation's semi-spaces, at most 8 MiB each (V8's default on 64 bits is 16): the
 * flood bench's process took 14 MiB less at rest and 13-15 MiB less at its peaks (all eight
 * floods in one run: 252-293 MiB, 266-308 at 16), its p99s no worse. The young generation is
 * where a request's garbage dies; a smaller one is collected twice as often, each time as fast:
 * POST lookups cost the same CPU either way (54-61 µs a request at 8, 51-63 at 16, alternated).
 */
export const SEMI_SPACE_MIB = 8;
export const HEAP_OPTION = `--max-old-space-size=${HEAP_LIMIT_MIB} --max-semi-space-size=${SEMI_SPACE_MIB}`;

/**
 * How far V8 lets the old space grow past what its last full collection kept alive before the
 * next one: 20 %, where V8 picks between 10 and 300 % by how fast it collects (its
 * `--heap-growing-percent`). Under floods whose garbage outlives a young collection (each
 * connection's request objects live a second or more, the hold keeps refusals a second, three
 * under a flood), V8's choice let the process reach 355-411 MiB with about 100 MB alive; at 20 %
 * the same floods stayed at 249-279 MiB (`BENCH_ONLY=floods`, 2026-12-05), and the load bench did not move (a
 * cache hit's garbage dies young). Node refuses the flag in NODE_OPTIONS, so it is set at start,
 * unless the node command line gives its own.
 */
export const HEAP_GROWING_PERCENT = 20;

export function tuneHeapGrowth(execArgv: readonly string[] = process.execArgv): void {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

/**
 * What one idle subscription connection keeps: a WebSocket carrying one subscription, the dearest
 * (11 KB; an SSE stream 8 KB, each further subscription on a socket 3 KB: measured at 2,000 open,
 * docs/limits.md).
 */
const SUBSCRIPTION_BYTES = 12 * 1024;
/** The process before any cache fills: code, the schema, the read model (measured idle heap). */
const BASE_BYTES = 64 * 1024 * 1024;

/**
 * Why the configured memory bounds may not fit the heap V8 was given (more than three quarters
 * of it, the rest being garbage between collections), or undefined. A heap too small for them
 * is no crash at start but one under load, when the caches have filled: said at start instead.
 */
export function heapTooSmall(config: Config, heapLimitBytes: number): string | undefined {
  const bounded =
    BASE_BYTES +
    config.rateLimit.memoryBytes +
    config.responseCacheBytes +
    config.documentCacheBytes +
    config.persistedQueryCacheBytes +
    config.subscriptions.total * SUBSCRIPTION_BYTES +
    config.subscriptions.maxUnreadTotalBytes;
  if (bounded <= 0.75 * heapLimitBytes) return undefined;
  const mib = (bytes: number) => Math.ceil(bytes / 1024 / 1024);
  return `The configured caches, rate limiter and subscriptions may hold ${mib(bounded)} MiB, more than three quarters of the ${mib(heapLimitBytes)} MiB heap: give the process more (NODE_OPTIONS=--max-old-space-size=${mib(bounded / 0.75)}) or lower RESPONSE_CACHE_BYTES, DOCUMENT_CACHE_BYTES, PERSISTED_QUERY_CACHE_BYTES, RATE_LIMIT_MEMORY_BYTES, STREAM_MAX_UNREAD_TOTAL_BYTES or MAX_WEBSOCKETS`;
}
