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

/**
 * The budget as the IETF's RateLimit fields say it (draft-ietf-httpapi-ratelimit-headers-10,
 * Structured Field lists): the policy a request spent from, its quota and window, and what is
 * left of it and when more comes. One policy per response: the one charged, "key" when a valid
 * API key was sent, else "address". The quota is in cost units; the draft's `qu` parameter is
 * left out because its registry knows only requests, content bytes and concurrent requests, and
 * a value outside it may make a client ignore the whole field ("Malformed ... MUST be ignored").
 */
export function ietfRateLimitHeaders(charge: Charge): [string, string][] {
  return [
    ["ratelimit-policy", `"${charge.policy}";q=${charge.limit};w=${charge.windowSeconds}`],
    ["ratelimit", `"${charge.policy}";r=${charge.remaining};t=${charge.resetSeconds}`],
  ];
}

/**
 * `extensions.cost` of an executed operation: what it cost, as computed before it ran (and
 * charged on top of the request's 1 unit). Only the cost, never the budget: a response may be
 * kept by the response cache and replayed to other callers, and the cost is a property of the
 * document and its variables, the same for all of them, while the budget is each caller's own
 * (it travels in the RateLimit headers, set afresh on every response).
 */
export function costExtension(cost: number): { requestedQueryCost: number } {
  return { requestedQueryCost: cost };
}
