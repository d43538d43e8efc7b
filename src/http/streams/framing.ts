import { streamProtocol } from "../representation";

/**
 * How one HTTP subscription protocol frames a stream of GraphQL results. Two are served:
 * - Apollo's multipart protocol (multipart/mixed;subscriptionSpec="1.0"), what Apollo Client's
 *   HttpLink, Apollo Kotlin and Apollo iOS send: every part is JSON, `{}` is a heartbeat, a
 *   result travels as `{"payload": result}`, and a fatal error as `{"payload": null, "errors"}`.
 *   A client hands a part on only once the next boundary arrives, so every part is written with
 *   the boundary that follows it.
 * - GraphQL over Server-Sent Events (the graphql-sse protocol, "distinct connections" mode, as
 *   GraphQL Yoga serves it): `event: next` with a result, then `event: complete`; comment lines
 *   are heartbeats.
 */
export interface Framing {
  readonly name: "multipart" | "sse";
  readonly contentType: string;
  /** Written first: the headers reach the client at once, and it knows the stream is live. */
  readonly start: string;
  readonly heartbeat: string;
  next(result: unknown): string;
  /** A fatal error of the stream (its key revoked, the server stopping), then nothing more. */
  fatal(errors: unknown[]): string;
  /** The last bytes of a stream that ends. */
  readonly end: string;
}

const PART_HEADERS = "\r\ncontent-type: application/json; charset=utf-8\r\n\r\n";
const BOUNDARY = "\r\n--graphql";

export const MULTIPART: Framing = {
  name: "multipart",
  contentType: 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"',
  start: `${BOUNDARY}${PART_HEADERS}{}${BOUNDARY}`,
  heartbeat: `${PART_HEADERS}{}${BOUNDARY}`,
  next: (result) => `${PART_HEADERS}${JSON.stringify({ payload: result })}${BOUNDARY}`,
  fatal: (errors) => `${PART_HEADERS}${JSON.stringify({ payload: null, errors })}${BOUNDARY}`,
  end: "--\r\n",
};

export const SSE: Framing = {
  name: "sse",
  contentType: "text/event-stream; charset=utf-8",
  // Some browsers hand nothing to the page until the first bytes of the body (as graphql-sse does).
  start: ":\n\n",
  heartbeat: ":\n\n",
  next: (result) => `event: next\ndata: ${JSON.stringify(result)}\n\n`,
  // graphql-sse has no error event: a result with errors only, then the end.
  fatal: (errors) => `event: next\ndata: ${JSON.stringify({ errors })}\n\n`,
  end: "event: complete\ndata:\n\n",
};

/** The framing of the stream protocol an Accept header asks for (see `streamProtocol`), or undefined. */
export function streamFraming(accept: string | undefined): Framing | undefined {
  const protocol = streamProtocol(accept);
  return protocol === "sse" ? SSE : protocol === "multipart" ? MULTIPART : undefined;
}

/** What a client is told when it asks for a subscription in a form that cannot carry one. */
export const TRANSPORTS = [
  'POST /graphql with Accept: multipart/mixed;subscriptionSpec="1.0"',
  "POST or GET /graphql with Accept: text/event-stream",
  "a graphql-ws WebSocket on /graphql",
];
