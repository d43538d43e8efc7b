import type { FastifyReply, FastifyRequest } from "fastify";
import { type ExecutionResult, getOperationAST, type GraphQLSchema } from "graphql";
import type { ErrorCode } from "../../errors/error-codes";
import { formatError, formatRefusal } from "../../errors/format-error";
import { rateHeaders } from "../../graphql/charge";
import { createContext, type Services } from "../../graphql/context";
import type { SharedSubscriptions, Subscribed } from "../../graphql/shared-subscriptions";
import { sha256Hex, type TrustedDocuments } from "../../graphql/trusted-documents";
import { parsedDocument, PUSHES_ARE_FREE, validationErrors } from "../admission/document";
import { admittedDocument, type Admit } from "../admission/list";
import { GRAPHQL_RESPONSE_TYPE, JSON_TYPE, type Refusal, refuse } from "../exit/refusal";
import { takeOver } from "../exit/take-over";
import type { Metrics } from "../graphql-over-http/metrics";
import { negotiatedMediaType, NOT_ACCEPTABLE } from "../representation";
import type { Slot, SubscriptionSlots } from "../subscription-slots";
import type { RevocationSweep } from "../ws-revocation";
import type { RequestState } from "../graphql-over-http/state";
import { type Framing, streamFraming, TRANSPORTS } from "./framing";
import { type EndReason, LiveStream, type UnreadBounds } from "./live-stream";

export interface HttpSubscriptionOptions {
  schema: GraphQLSchema;
  services: Services;
  /** Where subscriptions run: one execution per distinct subscription, shared with graphql-ws. */
  executions: SharedSubscriptions;
  /** The admission list: a stream runs its document, operation kind and cost steps here. */
  admission: Admit;
  /** Shared with graphql-ws: connections per client address and in all. */
  slots: SubscriptionSlots;
  revocations: RevocationSweep;
  heartbeatMs: number;
  /** Bytes a stream's client may leave unread before it is cut off (STREAM_MAX_UNREAD_BYTES). */
  maxUnreadBytes: number;
  /** Bytes all streams may leave unread together (STREAM_MAX_UNREAD_TOTAL_BYTES). */
  maxUnreadTotalBytes: number;
  metrics: Metrics;
  /** TRUSTED_DOCUMENTS, when set: a stream of a listed document is named in the metrics. */
  trustedDocuments?: TrustedDocuments;
}

const SUBSCRIPTION_WORD = /\bsubscription\b/;
/** Apollo's words for the same refusal, which it makes only after running the operation. */
const SINGLE_RESULT_NOT_ACCEPTED = "An 'accept' header was provided for this request which does not accept application/json or application/graphql-response+json";

/** What a stream closed to make room at the cap says (graphql-ws closes with the code's 1013). */
const EVICTED: Refusal = { code: "SERVICE_UNAVAILABLE", message: "Evicted: the server is full and this address held the most subscriptions; retry later" };

/**
 * Subscriptions over plain HTTP on /graphql, besides graphql-ws: Apollo's multipart protocol
 * and GraphQL over SSE (framing.ts). This is the last stage before execution: a request whose
 * operation is a subscription is answered here, never by Apollo (which would run it as a query
 * and fail on its first field). The stages before it ran the admission list up to the document
 * limits, as for every request; this one runs the rest of it (the document, the operation
 * kind, the cost and its charge), as graphql-ws does, then takes a slot of the same
 * per-address and total bounds, and the same revocation sweep, which ends the stream of a
 * revoked key. Then it takes the response over (reply.hijack) and streams until one side ends it.
 *
 * A subscription asked for as a single result (Accept: application/json) gets 406
 * NOT_ACCEPTABLE naming the transports that carry subscriptions.
 */
export function httpSubscriptions(options: HttpSubscriptionOptions) {
  const open = new Set<LiveStream>();
  const unread: UnreadBounds = { perStream: options.maxUnreadBytes, total: options.maxUnreadTotalBytes, unsent: { bytes: 0 }, open };
  // One heartbeat for all the open streams: an idle stream holds a place in `open`, not a timer
  // and its closure each (thousands of idle streams are the case to plan for, docs/limits.md).
  // A stream that ends during a beat leaves the Set while it is walked, which a Set allows.
  const heartbeat = setInterval(() => open.forEach((stream) => stream.beat()), options.heartbeatMs);
  heartbeat.unref();

  async function stage(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const { state } = request;
    if (state.transport !== "GET" && state.transport !== "POST") return undefined;
    const params = state.graphql;
    // Apollo reads Accept only once it has run the operation: a client that accepts no single
    // result (one that asked for a stream, say) would have its mutation run, then be told 406.
    // Such a client gets a subscription's stream or nothing: anything else is refused here,
    // before it runs.
    const notStreamed = () =>
      negotiatedMediaType(request.headers.accept) === NOT_ACCEPTABLE
        ? refuse(reply, state, { code: "NOT_ACCEPTABLE", message: SINGLE_RESULT_NOT_ACCEPTED }, JSON_TYPE)
        : undefined;
    // Only a text that can hold a subscription is parsed here (not, say, an introspection
    // query's `subscriptionType`); everything else is Apollo's alone.
    if (typeof params?.query !== "string" || !SUBSCRIPTION_WORD.test(params.query)) return notStreamed();
    const { query, operationName } = params;
    const parsed = parsedDocument(query);
    if (Array.isArray(parsed)) return undefined; // Apollo refuses it as it refuses any such request
    const operation = getOperationAST(parsed, operationName);
    if (operation?.operation !== "subscription") return notStreamed();
    const framing = streamFraming(request.headers.accept);
    if (!framing) {
      // Asked for as one result, an invalid subscription is Apollo's to refuse, every error listed.
      if (validationErrors(options.schema, parsed).length) return undefined;
      state.operation = { type: operation.operation, name: operation.name?.value };
      return refuse(
        reply,
        state,
        { code: "NOT_ACCEPTABLE", message: `A subscription is a stream, not a single result: ask for it with ${TRANSPORTS.join("; or ")}`, details: { transports: TRANSPORTS } },
        JSON_TYPE,
      );
    }
    state.transport = framing.name;
    state.operation.listed = options.trustedDocuments?.documents.has(sha256Hex(query));
    // Refusals from here carry their own status (graphql-response+json): the client asked for a
    // stream. An invalid subscription is refused here with all its errors, as graphql-ws refuses
    // it (422): Apollo, which reads Accept only after validating, would tell this client 406.
    const refused = (refusal: Refusal | readonly Refusal[]) => refuse(reply, state, refusal, GRAPHQL_RESPONSE_TYPE);
    // Paid for before it takes a place: a stream its budget cannot cover never evicts another's.
    const refusals = await options.admission(state, "document", "cost");
    if (state.charge) for (const [name, value] of rateHeaders(state.charge)) reply.header(name, value);
    if (refusals) return refused(refusals);
    const document = admittedDocument(state);
    const variables = params.variables;
    const slot = options.slots.take(state.address);
    if (slot === "total") return refused({ code: "SERVICE_UNAVAILABLE", message: "The server holds all the subscriptions it can; retry later" });
    if (slot === "address") return refused({ code: "TOO_MANY_SUBSCRIPTIONS", message: "This address has the most subscription connections open that it may: close one first" });
    let results: Subscribed | ExecutionResult;
    try {
      results = await options.executions.subscribe({
        schema: options.schema,
        document,
        operationName,
        variableValues: variables,
        contextValue: createContext(state, state.principal, options.services, PUSHES_ARE_FREE),
      });
    } catch (error) {
      slot.release();
      throw error; // the error handler classifies it, as for any request
    }
    // Evicted while it was starting: another newcomer needed the place more.
    if (slot.evicted && Symbol.asyncIterator in results) {
      void results.return(undefined).catch(() => {});
      return refused(EVICTED);
    }
    if (!(Symbol.asyncIterator in results)) {
      slot.release();
      const first = results.errors?.[0];
      const shaped = first ? formatError(first.toJSON(), first) : undefined;
      const code = (shaped?.extensions?.code as ErrorCode | undefined) ?? "INTERNAL_SERVER_ERROR";
      return refused({ code, message: shaped?.message ?? "The subscription could not start" });
    }

    return streamed(reply, framing, results, state, slot);
  }

  /**
   * The stream, from the hijack on. A function of its own, so that what the stream's callbacks
   * keep for as long as it lives is what they name here: the raw response, the request's id,
   * its metrics labels and its slot; not the request's state (its text, variables and charge:
   * the shared execution keeps its first subscriber's) nor Fastify's request and reply (their
   * headers, body, parsed document and logger) that closures made in `stage` would hold.
   */
  function streamed(reply: FastifyReply, framing: Framing, results: Subscribed, state: RequestState, slot: Slot): FastifyReply {
    const { response, headers } = takeOver(reply, state);
    response.writeHead(200, {
      ...headers,
      "content-type": framing.contentType,
      // Never kept by a cache, never buffered by a proxy (nginx reads X-Accel-Buffering).
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    });
    // Node keeps the header text for as long as the response lives, as the rope of pieces it was
    // concatenated from (about 60, 2.9 KB an idle stream); reading a character flattens it in place (0.6 KB).
    (response as unknown as { _header?: string })._header?.charCodeAt(0);
    const log = reply.server.log; // the server's, not the request's child: the id is logged as its field
    const startedAt = performance.now();
    const { id, principal } = state;
    // Counted here, not by Fastify's onResponse hook (take-over.ts).
    const count = options.metrics.observation("/graphql", 200, state);
    const untrack = principal
      ? options.revocations.track({ revoke: () => stream.fail([errorOf("UNAUTHENTICATED", "The API key is invalid or revoked", id)], "revoked") }, principal)
      : noop;
    const stream: LiveStream = new LiveStream(response, framing, results, unread, (reason: EndReason) => {
      open.delete(stream);
      untrack();
      slot.release();
      count((performance.now() - startedAt) / 1000);
      log.info({ reqId: id, protocol: framing.name, reason, ms: Math.round(performance.now() - startedAt) }, "stream ended");
    });
    // At the cap, the oldest stream of the address holding the most makes room for a newcomer
    // holding few (subscription-slots.ts): its client gets the error event and the end.
    slot.evict = () => stream.fail([errorOf("SERVICE_UNAVAILABLE", EVICTED.message, id)], "evicted");
    open.add(stream);
    void stream.pump();
    return reply;
  }

  return {
    stage,
    get size(): number {
      return open.size;
    },
    /** Shutdown: every stream is told, with an error its client can retry on, and ended. */
    close(): void {
      clearInterval(heartbeat);
      for (const stream of open) stream.fail([errorOf("SERVICE_UNAVAILABLE", "The server is shutting down; retry", undefined)], "shutdown");
    },
  };
}

const noop = () => {};

/** An error of the stream itself, shaped by the one formatter. */
function errorOf(code: ErrorCode, message: string, requestId: string | undefined) {
  const shaped = formatRefusal(code, message);
  return requestId ? { ...shaped, extensions: { ...shaped.extensions, requestId } } : shaped;
}
