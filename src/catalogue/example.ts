/**
 * The flags clients branch on, and each entry's example response: both follow from an entry's
 * data by fixed rules, so they cannot disagree with it.
 */

/** 3xx codes whose response names, in Location, where to send the request instead. */
export const REDIRECT_CODES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
export const REDIRECT_RULE =
  "True for the codes whose response sends the client elsewhere by its Location header: 301, 302, 303, 307 and 308. " +
  "Not 300 (a choice), 304 (use the cache) or the deprecated and unused 305 and 306.";

/**
 * Codes that report a transient condition: the same request, repeated later (after Retry-After
 * where given), can succeed. Everything else needs a changed request, or a fixed server, first.
 */
export const RETRYABLE_CODES: ReadonlySet<number> = new Set([408, 425, 429, 502, 503, 504, 521, 522, 524, 529, 540, 599]);
export const RETRYABLE_RULE =
  "True when the code reports a transient condition, so that the same request, repeated later (after Retry-After where given), can succeed: " +
  "408, 425, 429, 502, 503 and 504, the vendor timeouts and down origins 521, 522, 524 and 599, and the vendor's own \"come back later\" 529 (SSL Labs overloaded) and 540 (Shopify temporarily disabled). " +
  "False for every other code: it needs a changed request or a fixed server first.";

export const isRedirect = (code: number) => REDIRECT_CODES.has(code);
export const isRetryable = (code: number) => RETRYABLE_CODES.has(code);

/** What an example is built from and checked against. */
export interface ExampleSubject {
  code: number;
  reasonPhrase: string;
  bodyAllowed: boolean;
  typicalHeaders: readonly string[];
}

/** Header fields a request carries, not a response: listed among typical headers, never in the example. */
const REQUEST_ONLY = new Set(["expect"]);

const SAMPLE_VALUES: Record<string, string> = {
  "content-type": "application/json",
  etag: '"33a64df5"',
  "cache-control": "max-age=3600",
  "last-modified": "Tue, 15 Oct 2024 12:00:00 GMT",
  location: "https://api.example.com/orders/42",
  "retry-after": "120",
  upgrade: "websocket",
  connection: "Upgrade",
  link: "</styles.css>; rel=preload; as=style",
  "accept-ranges": "bytes",
  "content-range": "bytes 0-9/1234",
  "www-authenticate": 'Bearer realm="api"',
  "proxy-authenticate": 'Basic realm="proxy"',
  allow: "GET, HEAD",
  accept: "application/json",
  "accept-encoding": "gzip",
  "content-length": "0",
  im: "vcdiff",
  "delta-base": '"33a64df5"',
  "ratelimit-policy": '"default";q=100;w=60',
  ratelimit: '"default";r=0;t=120',
};
/** Values that depend on the code. */
const CODE_VALUES: Record<number, Record<string, string>> = {
  104: { location: "https://api.example.com/uploads/7" },
  408: { connection: "close" },
  416: { "content-range": "bytes */1234" },
  426: { upgrade: "HTTP/2.0", connection: "Upgrade" },
  451: { link: '<https://example.org/legal-demand>; rel="blocked-by"' },
};

function valueOf(code: number, header: string): string {
  const key = header.toLowerCase();
  return CODE_VALUES[code]?.[key] ?? SAMPLE_VALUES[key] ?? "example";
}

/** A short body of the kind the code usually carries, and its media type. */
function bodyOf(subject: ExampleSubject): { type: string; text: string } {
  const { code, reasonPhrase } = subject;
  if (code === 206) return { type: "text/plain", text: "0123456789" };
  if (code === 207) return { type: "application/xml", text: '<d:multistatus xmlns:d="DAV:"/>' };
  if (code === 300) return { type: "application/json", text: '{"choices":["/orders/42.json","/orders/42.xml"]}' };
  if (code >= 300 && code < 400) return { type: "text/plain", text: "See https://api.example.com/orders/42" };
  if (code === 202) return { type: "application/json", text: '{"job":"https://api.example.com/jobs/7"}' };
  // GraphQL over HTTP: data and errors together, in the media type that gives 294 its meaning.
  if (code === 294) {
    return { type: "application/graphql-response+json", text: '{"data":{"order":{"id":"42","invoice":null}},"errors":[{"message":"Invoice service unavailable","path":["order","invoice"]}]}' };
  }
  if (code < 300) return { type: "application/json", text: '{"id":42,"status":"shipped"}' };
  return { type: "application/problem+json", text: JSON.stringify({ title: reasonPhrase, status: code }) };
}

/**
 * A minimal HTTP/1.1 response head for the entry: the status line, its typical response
 * headers, and a short body with its Content-Type and Content-Length where the code allows
 * one. Lines end with "\n" for reading; on the wire they end with CRLF.
 */
export function exampleOf(subject: ExampleSubject): string {
  const { code, reasonPhrase, bodyAllowed } = subject;
  const body = bodyAllowed ? bodyOf(subject) : null;
  const headers = new Map<string, string>();
  for (const name of subject.typicalHeaders) {
    const key = name.toLowerCase();
    if (REQUEST_ONLY.has(key) || headers.has(key)) continue;
    headers.set(key, `${name}: ${key === "content-type" && body ? body.type : valueOf(code, name)}`);
  }
  if (body) {
    if (!headers.has("content-type")) headers.set("content-type", `Content-Type: ${body.type}`);
    headers.set("content-length", `Content-Length: ${Buffer.byteLength(body.text)}`);
  }
  const head = [`HTTP/1.1 ${code} ${reasonPhrase}`, ...headers.values()].join("\n");
  return body ? `${head}\n\n${body.text}` : head;
}

const HEADER_LINE = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+): ?[^\r\n]*$/;

/**
 * How an example disagrees with its entry: [] when it agrees. It must be a status line with the
 * entry's code and reason phrase, header lines, and a body exactly where the entry allows one; it must carry every
 * typical response header of the entry. Returns constraint names for FieldErrors.
 */
export function exampleDisagreements(example: string, subject: ExampleSubject): string[] {
  const problems: string[] = [];
  const [head, ...rest] = example.split("\n\n");
  const body = rest.join("\n\n");
  const [statusLine = "", ...headerLines] = head.split("\n");
  if (statusLine !== `HTTP/1.1 ${subject.code} ${subject.reasonPhrase}`) problems.push("statusLine");
  const names = new Set<string>();
  for (const line of headerLines) {
    const header = HEADER_LINE.exec(line);
    if (!header) {
      problems.push("headerLine");
      break;
    }
    names.add(header[1].toLowerCase());
  }
  const missing = subject.typicalHeaders.some((h) => !REQUEST_ONLY.has(h.toLowerCase()) && !names.has(h.toLowerCase()));
  if (missing) problems.push("typicalHeaders");
  if (body.length > 0 !== subject.bodyAllowed) problems.push("bodyAllowed");
  return problems;
}
