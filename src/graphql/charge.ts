/** The outcome of spending from a budget, with what the rate-limit headers report. */
export interface Charge {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (the Retry-After of a refusal). */
  resetSeconds: number;
  windowSeconds: number;
}

/** Spends the caller's budget: bound to one request's caller. */
export type ChargeFn = (units: number) => Promise<Charge>;

export function budgetMessage(charge: Charge): string {
  return `Rate limit: the budget of ${charge.limit} cost units per ${charge.windowSeconds} seconds is spent; retry in ${charge.resetSeconds} s`;
}

/** The headers of every charged response (exposed to browsers by CORS). */
export function rateHeaders(charge: Charge): [string, string][] {
  return [
    ["x-ratelimit-limit", String(charge.limit)],
    ["x-ratelimit-remaining", String(charge.remaining)],
    ["x-ratelimit-reset", String(charge.resetSeconds)],
  ];
}
