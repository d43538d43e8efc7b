import Negotiator from "negotiator";

/**
 * The media types a single GraphQL result can be sent as, in Apollo Server's order of
 * preference (its `chooseContentTypeForSingleResultResponse`, which is not exported): the same
 * library on the same list, so the representation a cache key names is the one Apollo sends.
 */
const SINGLE_RESULT_TYPES = [
  "application/json; charset=utf-8",
  "application/graphql-response+json; charset=utf-8",
  "application/json; callbackSpec=1.0; charset=utf-8",
];
const NO_ACCEPT = SINGLE_RESULT_TYPES[0];
/** What an Accept that allows none of them negotiates: Apollo answers it 406. */
export const NOT_ACCEPTABLE = "none";

// Clients send few distinct Accept headers: negotiating each once keeps the cache hit cheap.
// Bounded, since the header is the caller's to choose.
const memo = new Map<string, string>();
const MEMO_LIMIT = 256;

/**
 * The representation a request for a single result gets: what its ETag and response-cache key
 * are derived from, so that no Accept, `*\/*` and `application/json` share one ETag for the same
 * bytes and a request negotiating `application/graphql-response+json` gets its own.
 */
export function negotiatedMediaType(accept: string | undefined): string {
  if (!accept) return NO_ACCEPT;
  let type = memo.get(accept);
  if (type === undefined) {
    type = new Negotiator({ headers: { accept } }).mediaType(SINGLE_RESULT_TYPES) ?? NOT_ACCEPTABLE;
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(accept, type);
  }
  return type;
}

/** The HTTP subscription protocols served (streams/framing.ts frames each). */
export type StreamProtocol = "multipart" | "sse";

/**
 * The stream protocol an Accept header asks for, or undefined, in the client's order of
 * preference (q). Here beside the single result's negotiation, since a stage reads it too (the
 * representation of a refusal); streams/framing.ts frames each protocol. Multipart counts only with `subscriptionSpec=1.0`: Apollo Client sends
 * `multipart/mixed;deferSpec=…` for @defer, which this server does not serve. (Negotiator, used
 * for single results, matches a range's parameters exactly, and Apollo Client adds a boundary.)
 */
export function streamProtocol(accept: string | undefined): StreamProtocol | undefined {
  if (!accept || accept.length > 1024) return undefined;
  let best: { protocol: StreamProtocol; q: number } | undefined;
  for (const range of accept.split(",")) {
    const [type, ...params] = range.split(";").map((p) => p.trim().toLowerCase());
    const param = (name: string) => params.find((p) => p.startsWith(`${name}=`))?.slice(name.length + 1).replaceAll('"', "");
    const q = Number(param("q") ?? 1);
    const protocol = type === "text/event-stream" ? "sse" : type === "multipart/mixed" && param("subscriptionspec") === "1.0" ? "multipart" : undefined;
    if (protocol && q > 0 && (!best || q > best.q)) best = { protocol, q };
  }
  return best?.protocol;
}
