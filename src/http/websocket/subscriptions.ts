import { isUtf8 } from "node:buffer";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { FastifyInstance } from "fastify";
import { type ExecutionArgs, GraphQLError, type GraphQLSchema } from "graphql";
import type { SubscribePayload } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { type WebSocket, WebSocketServer } from "ws";
import type { ApiKeyService } from "../../auth/api-key.service";
import type { Principal } from "../../auth/principal";
import { SubscriberNotReading } from "../../catalogue/catalogue-events";
import { classifyError } from "../../errors/classify-error";
import { withoutStack } from "../../errors/domain-error";
import { closeCodeOf, type ErrorCode } from "../../errors/error-codes";
import { formatError, formatRefusal } from "../../errors/format-error";
import { createContext, type Services } from "../../graphql/context";
import type { SharedSubscriptions } from "../../graphql/shared-subscriptions";
import { authenticate, isRefusal } from "../admission/caller";
import { PUSHES_ARE_FREE } from "../admission/document";
import { admittedDocument, type Admit } from "../admission/list";
import type { Subject } from "../admission/subject";
import { rawRefusal, type Refusal } from "../exit/refusal";
import type { RateBudgets } from "../rate-limit";
import { newRequestId } from "../request-id";
import type { SubscriptionSlots } from "../subscription-slots";
import { closeNotReading, closeThenCut, cutIfNotReading, SocketQueue } from "./socket-queue";
import { REVOKED_CLOSE, type RevocationSweep } from "../ws-revocation";
import { pathOf } from "../graphql-over-http/arrival";
import { nulParameter, repeatedMember } from "../graphql-over-http/decoding";
import { tracing } from "../../tracing";

export interface SubscriptionOptions {
  schema: GraphQLSchema;
  services: Services;
  /** Where subscriptions run: one execution per distinct subscription, shared with HTTP streams. */
  executions: SharedSubscriptions;
  apiKeys: ApiKeyService;
  /** The admission list, run whole for every subscribe. */
  admission: Admit;
  /** The same budgets as HTTP requests: failed keys per address (at connect). */
  budgets: RateBudgets;
  maxSubscriptionsPerConnection: number;
  /** Open subscription connections per client address and in all, shared with HTTP streams. */
  slots: SubscriptionSlots;
  /** A socket with no subscription that sends nothing this long is closed. */
  idleTimeoutMs: number;
  /** Bytes a socket's client may leave unread (ws's bufferedAmount) before it is closed (STREAM_MAX_UNREAD_BYTES). */
  maxUnreadBytes: number;
  /** Ends open connections whose key was revoked; shared with HTTP streams. */
  revocations: RevocationSweep;
  /** The client's address as TRUST_PROXY resolves it, as for HTTP requests. */
  clientAddress: (request: IncomingMessage) => string;
}

interface Connection {
  principal: Principal | null;
  /** The client's address, as TRUST_PROXY resolves it. */
  address: string;
  /** The credentials the connection was opened with: checked again before every operation. */
  credentials: unknown;
  subscriptions: number;
  queue: SocketQueue;
  /** Subscribes refused by the budget in a row: past MAX_REFUSED_IN_A_ROW the socket is closed. */
  refusedInARow: number;
}

/** A client that keeps sending once told RATE_LIMITED this many times in a row is disconnected. */
const MAX_REFUSED_IN_A_ROW = 10;
export const EVICTED_CLOSE = {
  code: closeCodeOf("SERVICE_UNAVAILABLE"),
  reason: "Evicted: the server is full and this address held the most; retry later",
} as const;
export const FLOOD_CLOSE = { code: closeCodeOf("RATE_LIMITED"), reason: "Too many requests: the rate budget is spent" } as const;

/**
 * Subscriptions over the graphql-ws protocol (what Apollo Client's GraphQLWsLink speaks) on
 * the same /graphql path, as WebSocket upgrades, with the same bounds as HTTP requests:
 * - Keys: connectionParams { authorization: "Bearer <key>" }. A bad key closes the socket with
 *   4403 and counts as a failed authentication of the address (one that failed too often is
 *   refused, 4403 too, without a lookup). Authority is checked at use, not only at connect:
 *   before every operation (from the same ≤ 1 s cache as HTTP requests), and for sockets that
 *   only listen by the revocation sweep (ws-revocation.ts).
 * - Every subscribe pays on arrival, refused or not, as a request does: 1 unit before anything
 *   is parsed, then its cost once known. Once the budget is spent it gets RATE_LIMITED; a client
 *   that keeps sending is then disconnected (4429). Messages are handled one at a time per
 *   socket, yielding between two (socket-queue.ts).
 * - The same document limits and cost limit; at most maxSubscriptionsPerConnection per
 *   connection; per client address (behind trusted proxies, the address they forward) and in
 *   all, the slots it shares with HTTP streams (subscription-slots.ts), where at the cap the oldest
 *   connection of the address holding the most is closed (1013) for a newcomer holding few; an
 *   idle socket is closed.
 * - Only reads: mutations never run over the socket (METHOD_NOT_ALLOWED). A write is one HTTP
 *   request, authenticated, budgeted and logged as one.
 */
export function attachSubscriptions(app: FastifyInstance, options: SubscriptionOptions) {
  // Each message in a turn of its own (allowSynchronousEvents: false). One read of 64 KiB holds a
  // thousand small messages, which ws otherwise parses and hands on in one turn (a paused socket
  // stops the next read, not that one): a flood of subscribes sent all at once held the event loop
  // for 10-25 ms at a time, and the thousand it queued outlived young collections, which then took
  // 5-8 ms each. Now the rest of a read waits as bytes, and the socket is read no further meanwhile.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, allowSynchronousEvents: false });
  const { revocations } = options;

  app.server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (pathOf(request.url ?? "") !== "/graphql") return refuseUpgrade(socket, "NOT_FOUND", "No WebSocket endpoint here: use /graphql");
    const slot = options.slots.take(options.clientAddress(request));
    if (slot === "total") return refuseUpgrade(socket, "SERVICE_UNAVAILABLE", "The server holds all the subscriptions it can; retry later");
    if (slot === "address") return refuseUpgrade(socket, "TOO_MANY_SUBSCRIPTIONS", "This address has the most subscription connections open that it may: close one first");
    socket.once("close", () => slot.release()); // whether or not the upgrade completes
    // Evicted to make room at the cap (subscription-slots.ts): mid-upgrade it is only cut.
    slot.evict = () => socket.destroy();
    wss.handleUpgrade(request, socket, head, (ws) => {
      slot.evict = () => closeEvicted(ws);
      // Before graphql-ws's own listener (added on "connection"), so it sees each message first.
      ws.on("message", (data, isBinary) => refuseUnreadable(ws, data as Buffer, isBinary));
      wss.emit("connection", ws, request);
      // ws reports a client's bad frame (not UTF-8 1007, over maxPayload 1009, a protocol error
      // 1002) once it has closed the socket with that code: graphql-ws's listener would log each
      // as an internal error, stack and all, for any client that cares to send one.
      ws.removeAllListeners("error");
      ws.on("error", () => {});
    });
  });

  /**
   * A subscribe through the admission list, whole: the key again (a revoked one closes the
   * socket), the arrival charge, then, with a place of this connection's held, the rest.
   */
  async function admit(connection: Connection, socket: WebSocket, payload: SubscribePayload): Promise<ExecutionArgs | readonly GraphQLError[]> {
    // Before any work, free, as a GET's %00 is refused before its key is looked at.
    const nul = nulParameter(payload);
    if (nul !== undefined) return [refusal("BAD_REQUEST", `The subscribe's ${nul} contains a NUL character`)];
    const subject: Subject = {
      id: newRequestId(),
      transport: "graphql-ws",
      address: connection.address,
      credentials: connection.credentials,
      principal: connection.principal,
      graphql: {
        query: payload.query,
        ...(payload.operationName != null && { operationName: payload.operationName }),
        ...(payload.variables != null && { variables: payload.variables }),
        ...(payload.extensions != null && { extensions: payload.extensions }),
      },
      operation: {},
      errorCodes: [],
    };
    let refused: readonly Refusal[] | undefined;
    try {
      refused = await options.admission(subject, "caller", "arrival");
    } catch {
      // The key could not be checked (the database is unreachable): retry, as HTTP says 503.
      return [refusal("SERVICE_UNAVAILABLE", "The API key cannot be checked right now; retry")];
    }
    if (!refused) {
      if (connection.subscriptions >= options.maxSubscriptionsPerConnection) {
        return [refusal("TOO_MANY_SUBSCRIPTIONS", `At most ${options.maxSubscriptionsPerConnection} subscriptions per connection`)];
      }
      // Held from here, given back if refused or failed (admissions run one at a time per socket).
      connection.subscriptions += 1;
      let held = false;
      try {
        refused = await options.admission(subject, "trusted documents", "cost");
        held = !refused;
      } finally {
        if (!held) connection.subscriptions -= 1;
      }
    }
    if (refused) return writeRefusal(connection, socket, refused);
    connection.refusedInARow = 0;
    connection.queue.idle(connection.subscriptions);
    const document = admittedDocument(subject);
    // graphql-ws keeps these arguments, and through them the subject, for as long as the
    // subscription lives: what only the admission needed (the text and variables as sent, the
    // charge) goes, and rootValue is set here rather than added by graphql-ws (an added field
    // gave each subscription's arguments a hidden class of its own, 0.3 KB).
    subject.graphql = undefined;
    subject.charge = undefined;
    return {
      schema: options.schema,
      document,
      operationName: payload.operationName,
      variableValues: payload.variables,
      contextValue: createContext(subject, connection.principal, options.services, PUSHES_ARE_FREE),
      rootValue: undefined,
    };
  }

  /**
   * The one writer of this transport's refusals: errors of the subscribe, and for some a close
   * (a revoked key; a client that keeps sending once told RATE_LIMITED).
   */
  function writeRefusal(connection: Connection, socket: WebSocket, refused: readonly Refusal[]): readonly GraphQLError[] {
    const [first] = refused;
    if (first.code === "UNAUTHENTICATED") socket.close(REVOKED_CLOSE.code, REVOKED_CLOSE.reason);
    if (first.code === "RATE_LIMITED") {
      connection.refusedInARow += 1;
      if (connection.refusedInARow > MAX_REFUSED_IN_A_ROW) closeFlood(socket);
    } else {
      connection.refusedInARow = 0;
    }
    return refused.map(asGraphqlError);
  }

  const server = useServer<Record<string, unknown> | undefined, { connection?: Connection }>(
    {
      schema: options.schema,
      subscribe: (args) => options.executions.subscribe(args),
      // Whatever NODE_ENV says: an unexpected error closes with "Internal server error", never its message.
      isProd: true,
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.authorization;
        const address = options.clientAddress(ctx.extra.request);
        const socket = ctx.extra.socket;
        // Closed as unreadable (refuseUnreadable) by the time graphql-ws read it: no key is looked up.
        if (socket.readyState !== socket.OPEN) return false;
        let principal: Principal | null;
        try {
          const outcome = await authenticate(options.apiKeys, options.budgets, header, address);
          // A bad key, or an address that failed too often: graphql-ws closes with 4403 Forbidden.
          if (isRefusal(outcome)) return false;
          principal = outcome;
        } catch (error) {
          // The key could not be checked (database unreachable): not 4403, as HTTP says 503,
          // and never graphql-ws's 4500 with the raw error as its reason.
          const unavailable = classifyError(error).code === "SERVICE_UNAVAILABLE";
          socket.close(closeCodeOf(unavailable ? "SERVICE_UNAVAILABLE" : "INTERNAL_SERVER_ERROR"), unavailable ? "Service unavailable; retry" : "Internal server error");
          return false; // the close above is the one sent
        }
        if (principal) socket.once("close", revocations.track({ revoke: () => socket.close(REVOKED_CLOSE.code, REVOKED_CLOSE.reason) }, principal));
        ctx.extra.connection = {
          principal,
          address,
          credentials: header,
          subscriptions: 0,
          queue: new SocketQueue(socket, options.idleTimeoutMs),
          refusedInARow: 0,
        };
        return true;
      },
      onSubscribe: (ctx, _id, payload) => {
        const connection = ctx.extra.connection!;
        // A socket this side is closing (a flood's 4429, a revoked key) admits nothing more: what
        // its client sent before it saw the close is refused at once, holding nothing.
        if (ctx.extra.socket.readyState !== ctx.extra.socket.OPEN) return CLOSING;
        const admitted = () => admit(connection, ctx.extra.socket, payload);
        // Traced: a SERVER span, parented by a traceparent in the subscribe's or connection_init's extensions.
        if (tracing) return connection.queue.run(() => tracing!.subscribe(ctx.connectionParams, payload, connection.principal, admitted));
        return connection.queue.run(admitted);
      },
      onComplete: (ctx) => {
        const connection = ctx.extra.connection;
        if (!connection) return;
        connection.subscriptions -= 1;
        connection.queue.idle(connection.subscriptions);
      },
      // A subscriber cut off for leaving too many events waiting (catalogue-events.ts): its client
      // is not reading, so the socket is closed, as past maxUnreadBytes.
      // A running subscription's failure (graphql-ws wraps what its source threw) is shaped by
      // the one formatter, where graphql-ws would send its raw message; refusals are shaped already.
      onError: (ctx, _id, _payload, errors) => {
        if (errors.some((e) => e.originalError instanceof SubscriberNotReading)) closeNotReading(ctx.extra.socket);
        return errors.map((e) => (e.originalError ? formatError(e.toJSON(), e) : e.toJSON()));
      },
      // Errors in pushed results are shaped by the one formatter, as over HTTP. A client that
      // left maxUnreadBytes unread is closed first (socket-queue.ts), before more is queued.
      onNext: (ctx, _id, _payload, _args, result) => {
        if (cutIfNotReading(ctx.extra.socket, options.maxUnreadBytes)) return result; // never sent: graphql-ws sends nothing on a closing socket
        return result.errors ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : result;
      },
    },
    wss,
  );

  return {
    get connections(): number {
      return wss.clients.size;
    },
    /** Shutdown: every client is told (1001 Going Away) and disconnected. */
    async close(): Promise<void> {
      for (const client of wss.clients) client.close(1001, "Server shutting down");
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** A stage's refusal, as the error of one subscribe (a WebSocket has no status or headers). */
function asGraphqlError(refused: Refusal): GraphQLError {
  return refusal(refused.code, refused.message, refused.details);
}

function refusal(code: ErrorCode, message: string, details: Record<string, unknown> = {}): GraphQLError {
  const shaped = formatRefusal(code, message, details);
  // A refusal is sent, never logged: GraphQLError's stack was 14 % of the API's work under the
  // flood bench's refused subscribes.
  return withoutStack(() => new GraphQLError(shaped.message, { extensions: shaped.extensions }));
}

/**
 * A message read one way or not at all: graphql-ws JSON-parses each message itself, keeping the
 * last of a member given twice, in the message (`id`, `type`) or in its payload (`query`,
 * `variables`...), and reads a binary one as text, with replacement characters where it is not
 * UTF-8 (ws refuses a text one that is not, 1007). Such a message closes the socket as graphql-ws
 * closes any it cannot read (4400, BAD_REQUEST's close code), synchronously: graphql-ws, which
 * hears the message next, finds the socket closing, and its subscribe is refused (CLOSING).
 */
function refuseUnreadable(socket: WebSocket, data: Buffer, isBinary: boolean): void {
  if (socket.readyState !== socket.OPEN) return; // a closing socket's subscribes are refused anyway
  if (isBinary && !isUtf8(data)) return closeThenCut(socket, UNREADABLE_UTF8);
  if (repeatedMember(data.toString("utf8"), 2) !== undefined) closeThenCut(socket, UNREADABLE_REPEATED);
}

const UNREADABLE_UTF8 = { code: closeCodeOf("BAD_REQUEST"), reason: "Invalid message received: not UTF-8" } as const;
const UNREADABLE_REPEATED = { code: closeCodeOf("BAD_REQUEST"), reason: "Invalid message received: a member is given twice" } as const;

/** What a closing socket answers a subscribe with: one shared refusal, nothing made per message. */
const CLOSING = [refusal("SERVICE_UNAVAILABLE", "The connection is closing")];

/**
 * A flood's end: close 4429, and stop reading what the client sent before it saw the close (a
 * sender that does not wait has megabytes in flight); the connection is cut a second later
 * whether or not the client answered the close.
 */
function closeFlood(socket: WebSocket): void {
  closeThenCut(socket, FLOOD_CLOSE);
  socket.pause();
}

/**
 * A socket closed to make room for a subscriber of an address holding fewer: told why (1013, try
 * again later), and cut a second later whether or not its client answered the close.
 */
function closeEvicted(socket: WebSocket): void {
  closeThenCut(socket, EVICTED_CLOSE);
}

/** An upgrade refused before it is a WebSocket: an HTTP answer with the table's status, Retry-After and body. */
function refuseUpgrade(socket: Duplex, code: ErrorCode, message: string): void {
  socket.end(rawRefusal(code, message));
}

