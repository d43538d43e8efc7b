import type { ErrorCode } from "./gql/graphql";

/** What a client does about an error, by its code. */
export type Remedy =
  /** The budget is spent: wait as Retry-After says, then send the same request again. */
  | "wait-and-retry"
  /** The server or its database is unavailable for now: try again later (the caller decides when). */
  | "retry-later"
  /** The key is missing, invalid or lacks the role. */
  | "authenticate"
  /** Someone else changed the entry: read it again, then decide. */
  | "reload-and-decide"
  /** No such entry (any more): nothing to retry. */
  | "accept-absence"
  /** The request itself is wrong: retrying it unchanged gets the same answer. */
  | "fix-the-request"
  /** Automatic persisted queries: the link resends the document itself. */
  | "resend-document"
  /** A fault of the server: report it with the response's requestId. */
  | "report";

/**
 * Every code of the generated `ErrorCode` (from schema.graphql) has a remedy. The switch is
 * exhaustive: when the API adds a code and `npm run codegen` regenerates the type, the `never`
 * below stops the build until someone decides what the new code means for this client.
 */
export function remedyOf(code: ErrorCode): Remedy {
  switch (code) {
    case "RATE_LIMITED":
      return "wait-and-retry";
    case "SERVICE_UNAVAILABLE":
    case "GATEWAY_TIMEOUT":
    case "REQUEST_TIMEOUT":
      return "retry-later";
    case "UNAUTHENTICATED":
    case "FORBIDDEN":
      return "authenticate";
    case "PRECONDITION_FAILED":
    case "CONFLICT":
      return "reload-and-decide";
    case "NOT_FOUND":
    case "GONE":
      return "accept-absence";
    case "PERSISTED_QUERY_NOT_FOUND":
      return "resend-document";
    case "INTERNAL_SERVER_ERROR":
      return "report";
    case "BAD_REQUEST":
    case "INVALID_GRAPHQL_REQUEST":
    case "BAD_USER_INPUT":
    case "GRAPHQL_PARSE_FAILED":
    case "GRAPHQL_VALIDATION_FAILED":
    case "OPERATION_RESOLUTION_FAILURE":
    case "QUERY_TOO_COMPLEX":
    case "QUERY_TOO_DEEP":
    case "TOO_MANY_TOKENS":
    case "TOO_MANY_ALIASES":
    case "TOO_MANY_ROOT_FIELDS":
    case "TOO_MANY_DIRECTIVES":
    case "TOO_MANY_SELECTIONS":
    case "TOO_MANY_SUBSCRIPTIONS":
    case "PERSISTED_QUERY_NOT_SUPPORTED":
    case "PERSISTED_QUERY_NOT_IN_LIST":
    case "METHOD_NOT_ALLOWED":
    case "NOT_ACCEPTABLE":
    case "PAYLOAD_TOO_LARGE":
    case "URI_TOO_LONG":
    case "UNSUPPORTED_MEDIA_TYPE":
    case "REQUEST_HEADER_FIELDS_TOO_LARGE":
    case "VALIDATION_FAILED":
    case "LOCKED":
    case "PRECONDITION_REQUIRED":
      return "fix-the-request";
    default: {
      const unhandled: never = code; // a compile error here: a new ErrorCode needs a remedy above
      // A newer server than this build knows: treat it as a fault, do not guess.
      void unhandled;
      return "report";
    }
  }
}

/** The caller's budget as the last response's RateLimit fields gave it. */
export interface Budget {
  /** Cost units left in the window (`r`). */
  remaining: number;
  /** Seconds until the window resets (`t`). */
  resetSeconds: number;
  /** Cost units per window (`q` of RateLimit-Policy), when sent. */
  quota?: number;
  /** When it was read (ms since the epoch). */
  at: number;
  /** What the last request spent, when two responses in a row tell it: the likely cost of the next. */
  lastCharge?: number;
}

/**
 * Reads `RateLimit: "name";r=N;t=S` and `RateLimit-Policy: "name";q=N;w=S` (the IETF draft
 * draft-ietf-httpapi-ratelimit-headers, Structured Field lists). Only the first item of each is
 * read: StatusGraph sends one, the policy that was charged. Malformed fields are ignored, as the
 * draft asks.
 */
export function readBudget(headers: Headers, now = Date.now()): Budget | undefined {
  const limit = parametersOf(headers.get("ratelimit"));
  const policy = parametersOf(headers.get("ratelimit-policy"));
  if (limit?.r === undefined) return undefined;
  return { remaining: limit.r, resetSeconds: limit.t ?? 0, quota: policy?.q, at: now };
}

function parametersOf(field: string | null): Record<string, number> | undefined {
  const item = field?.split(",")[0];
  if (!item || !/^\s*"[^"]*"/.test(item)) return undefined;
  const parameters: Record<string, number> = {};
  for (const part of item.split(";").slice(1)) {
    const [key, value] = part.trim().split("=");
    if (/^\d+$/.test(value ?? "")) parameters[key] = Number(value);
  }
  return parameters;
}

/**
 * How long to hold the next request: nothing while more than `reserve` of the quota is left;
 * below it, a growing share of the time to the reset, and the whole of it once what is left
 * would not cover another request like the last. So a client that runs low spreads its last
 * units over the window instead of spending them and meeting a 429.
 */
export function paceMs(budget: Budget, reserve: number, now = Date.now()): number {
  const untilReset = budget.resetSeconds * 1000 - (now - budget.at);
  if (budget.lastCharge !== undefined && budget.remaining < budget.lastCharge) return Math.max(0, Math.ceil(untilReset));
  if (budget.quota === undefined || budget.quota === 0) return 0;
  const floor = reserve * budget.quota;
  if (budget.remaining >= floor) return 0;
  return Math.max(0, Math.ceil(untilReset - (budget.remaining / floor) * budget.resetSeconds * 1000));
}

/** Retry-After is seconds or an HTTP date (RFC 9110 Section 10.2.3). */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get("retry-after");
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface BudgetOptions {
  fetch?: typeof globalThis.fetch;
  /** Below this share of the quota, requests are spaced out (default 0.2). */
  reserve?: number;
  /** How many times one request refused RATE_LIMITED is sent again (default 3). */
  maxRetries?: number;
  /** How to wait; tests pass one that records. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A `fetch` for Apollo Client's HttpLink (`new HttpLink({ fetch: budgetedFetch() })`) that keeps
 * within the API's cost budget: it slows down as the budget runs low (RateLimit header), and
 * when a request is refused RATE_LIMITED anyway (another process sharing the key or address
 * spent it) it waits as Retry-After says and sends it again. A refused request never ran, so
 * sending it again is safe, mutations included. Any other error is left to the caller.
 */
export function budgetedFetch(options: BudgetOptions = {}): typeof globalThis.fetch {
  const { fetch = globalThis.fetch, reserve = 0.2, maxRetries = 3 } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let budget: Budget | undefined;
  return async (input, init) => {
    for (let attempt = 0; ; attempt += 1) {
      const pause = budget ? paceMs(budget, reserve) : 0;
      if (pause > 0) await sleep(pause);
      const response = await fetch(input, init);
      const next = readBudget(response.headers);
      if (next && budget && next.remaining < budget.remaining) next.lastCharge = budget.remaining - next.remaining;
      else if (next) next.lastCharge = budget?.lastCharge;
      budget = next ?? budget;
      if (response.ok || attempt >= maxRetries) return response;
      const code = await errorCodeOf(response);
      if (code === undefined || remedyOf(code) !== "wait-and-retry") return response;
      await sleep(retryAfterMs(response.headers) ?? 1000);
    }
  };
}

/** The first error's code, read from a copy (the caller still reads the body). */
async function errorCodeOf(response: Response): Promise<ErrorCode | undefined> {
  try {
    const body = (await response.clone().json()) as { errors?: { extensions?: { code?: unknown } }[] };
    const code = body.errors?.[0]?.extensions?.code;
    return typeof code === "string" ? (code as ErrorCode) : undefined;
  } catch {
    return undefined;
  }
}
