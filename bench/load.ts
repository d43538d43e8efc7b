import autocannon from "autocannon";

// autocannon 9 accepts the methods of RFC 7231 and PATCH only (its own list, which it exports
// as a module): QUERY (draft-ietf-httpbis-safe-method-w-body) is written on the wire as any other.
const METHODS = require("autocannon/lib/httpMethods") as string[];
if (!METHODS.includes("QUERY")) METHODS.push("QUERY");

/**
 * Load with autocannon that cannot measure the wrong thing: every request says which status it
 * must get, its bodies are checked before it is measured, and a run whose answers are not all
 * of the expected statuses throws (the bench exits non-zero) instead of reporting a rate.
 */
export const CONNECTIONS = 50;

export interface Request {
  method: "GET" | "POST" | "QUERY";
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** The only status this request may be answered with. */
  expect: 200 | 304;
}

// Typed as autocannon's declarations allow; QUERY is accepted at run time (above).
const strip = (requests: Request[]) => requests.map(({ expect: _expect, ...r }) => r as Omit<Request, "expect" | "method"> & { method: "GET" | "POST" });
const allowed = (requests: Request[]) => [...new Set(requests.map((r) => r.expect))].sort();

/**
 * Sends each request once, over the client the load uses (autocannon sends no Accept header,
 * where fetch sends `*\/*`), and throws unless each got its status and, for a 200, a body with
 * data and no `errors`; a 304 must have no body.
 */
export async function probe(name: string, url: string, requests: Request[]): Promise<void> {
  const problems: string[] = [];
  const checked = requests.map((r) => ({
    ...strip([r])[0],
    onResponse: (status: number, body: string) => {
      const what = `${r.method} ${r.path.slice(0, 80)}${r.body ? ` ${r.body.slice(0, 80)}` : ""}`;
      if (status !== r.expect) return void problems.push(`${what}: ${status}, expected ${r.expect}: ${body.slice(0, 200)}`);
      if (r.expect === 304 && body.length) return void problems.push(`${what}: a 304 with a body`);
      if (r.expect === 200 && !cleanData(body)) problems.push(`${what}: ${body.slice(0, 200)}`);
    },
  }));
  const result = await autocannon({ url: new URL(url).origin, connections: 1, amount: requests.length, requests: checked });
  if (result.errors || result.timeouts) problems.push(`${result.errors} connection errors, ${result.timeouts} timeouts`);
  if (problems.length) throw new Error(`${name}: not answering what it measures:\n  ${problems.slice(0, 5).join("\n  ")}`);
}

/** Runs the load and throws unless every answer had one of the statuses its requests expect, and each of them occurred. */
export async function load(name: string, url: string, requests: Request[], seconds: number): Promise<autocannon.Result> {
  const result = await autocannon({ url: new URL(url).origin, connections: CONNECTIONS, duration: seconds, requests: strip(requests) });
  const counts = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([status, s]) => [status, s.count ?? 0]));
  const expected = allowed(requests);
  const unexpected = Object.keys(counts).filter((s) => !expected.includes(Number(s) as Request["expect"]));
  const missing = expected.filter((s) => !counts[s]);
  if (unexpected.length || missing.length || result.errors || result.timeouts) {
    throw new Error(
      `${name}: expected only ${expected.join(" and ")}, got ${JSON.stringify(counts)}, ${result.errors} connection errors, ${result.timeouts} timeouts`,
    );
  }
  return result;
}

/** Status counts as the report prints them: "200: 51234, 304: 1200". */
export function statusCounts(result: autocannon.Result): string {
  return Object.entries(result.statusCodeStats ?? {})
    .map(([status, s]) => `${status}: ${s.count}`)
    .join(", ");
}

function cleanData(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { data?: unknown; errors?: unknown };
    return parsed.errors === undefined && parsed.data !== null && typeof parsed.data === "object";
  } catch {
    return false;
  }
}
