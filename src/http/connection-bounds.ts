import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { SlowSenders } from "./slow-senders";

export interface ConnectionBounds {
  /** Open TCP connections (HTTP and WebSocket alike) from one socket address. */
  perAddress: number;
  /** Open TCP connections in all. */
  total: number;
  /** Trusted proxies carry many clients on their connections: they are never counted per address. */
  isProxy: (address: string) => boolean;
  /** Bytes a second a request must keep arriving at once its grace is over (0: no minimum). */
  minRateBytesPerSecond: number;
  /** The credit of time every request starts with before the minimum rate is asked of it. */
  rateGraceMs: number;
  /** How long an address cut as too slow is refused new connections during a flood of slow requests (slow-senders.ts); 0: never. */
  slowSenderPenaltyMs?: number;
  /**
   * Writes a refusal straight to a socket (408 for a request too slow, 503 for one shed at the
   * cap), as Node's clientErrorHandler path writes its own, and closes it.
   */
  refuseRaw: (socket: Socket, code: "REQUEST_TIMEOUT" | "SERVICE_UNAVAILABLE", message: string, retryAfterSeconds?: number) => void;
  /** Told of every connection cut or shed (for the log). */
  onCut?: (event: { reason: "too slow" | "shed at the cap"; address: string; forwardedFor?: string; idle: boolean }) => void;
  /** The client a trusted proxy's request is for (TRUST_PROXY), for onCut. */
  clientOf?: (request: IncomingMessage) => string;
}

/**
 * Where a connection is, as far as its bounds are concerned:
 * - idle: nothing of a request has arrived (a new connection, or a keep-alive one between two
 *   requests). Never judged by its rate; the first to go at the cap.
 * - receiving: a request is arriving (its headers, or its body once Node handed it on). Judged
 *   by its rate; after the idle ones, the slowest goes at the cap.
 * - busy: the request has arrived and is being answered, or the socket is a WebSocket. Never
 *   judged, never shed.
 */
type Phase = "idle" | "receiving" | "busy";

/** Connections cut as too slow in one turn of the event loop (see `cutSome`). */
const CUTS_PER_TURN = 32;

interface Connection {
  socket: Socket;
  address: string;
  proxy: boolean;
  phase: Phase;
  /** When the current phase (or the current measurement of a request's rate) started, ms. */
  since: number;
  /** socket.bytesRead when it started. */
  baseline: number;
  /** The request whose body may still be arriving (from Node's 'request' event to its response's end). */
  request?: IncomingMessage;
  /** Its response has ended (the rest of its body may still be arriving, and is judged). */
  answered: boolean;
  upgraded: boolean;
  released: boolean;
  /** Bytes an idle connection may receive and stay idle: a stray CRLF after a keep-alive request. */
  slack: number;
}

/**
 * Caps on open connections, checked as each arrives, before a byte of it is parsed, and a
 * minimum rate for every request while it arrives:
 *
 * - A client holds at most `perAddress` of this process's sockets (past it, 503 before a byte
 *   is parsed; trusted proxies are not counted).
 * - Headers and bodies keep arriving at `minRateBytesPerSecond`, averaged from the request's
 *   first byte, after a credit of `rateGraceMs` (as Apache's mod_reqtimeout: each byte buys
 *   1/rate of a second): a request that has received fewer than rate × (elapsed − grace) bytes
 *   gets 408 and its connection is closed. Bytes are counted by the kernel socket's own counter
 *   (socket.bytesRead, kept by libuv as Node's parser reads), read by a sweep a few times a
 *   second: nothing runs per packet. A request that has fully arrived is no longer judged, a
 *   connection between requests is idle, not slow, and time the server itself stopped reading
 *   (a body it has not consumed yet, the socket paused) is never held against the client.
 * - At `total`, a new connection is admitted by closing the least useful one: the connection
 *   idle longest, else the one whose request is arriving slowest (503 with Retry-After), never
 *   one whose request is being answered or a WebSocket. Trusted proxies' connections go last
 *   (each carries many clients, and closing one under a proxy can fail a request it is about to
 *   send). Only when no connection can go is the newcomer refused with 503.
 * - During a flood of slow requests, an address one of whose requests was cut as too slow is
 *   refused new connections for `slowSenderPenaltyMs` (503 before a byte is parsed, Retry-After
 *   the penalty left; slow-senders.ts): a tenth of what cutting it again would cost.
 *
 * Node's headersTimeout and requestTimeout (set with the server) still end every request that
 * arrives, however fast, for too long.
 */
export function boundConnections(server: Server, bounds: ConnectionBounds): { readonly open: number; closeUnused(): void; stop(): void } {
  const byAddress = new Map<string, number>();
  const connections = new Map<Socket, Connection>();
  // Idle connections in the order they fell idle: the first is the one idle longest.
  const idle = new Set<Connection>();
  // New connections that have sent nothing yet and are within their grace: not sheddable (a
  // burst of connections is accepted before any is read, so the first must not be shed for the
  // next). The sweep moves them on: receiving once bytes came, idle once the grace is spent.
  const fresh = new Set<Connection>();
  const sweepMs = Math.max(50, Math.min(250, bounds.rateGraceMs / 4));
  const slowSenders = new SlowSenders(bounds.slowSenderPenaltyMs ?? 0);
  let lastSweep = performance.now();

  const enter = (connection: Connection, phase: Phase, now: number, since = now) => {
    if (connection.phase === "idle") {
      idle.delete(connection);
      fresh.delete(connection);
    }
    connection.phase = phase;
    connection.since = since;
    connection.baseline = connection.socket.bytesRead;
    if (phase === "idle") idle.add(connection);
  };
  /** An idle connection some of whose next request has arrived since it was last looked at. */
  const wokeUp = (connection: Connection) => connection.phase === "idle" && connection.socket.bytesRead > connection.baseline + connection.slack;
  const startReceiving = (connection: Connection, now: number) => {
    const baseline = connection.baseline; // the bytes that woke it count towards its rate
    // They arrived after the previous sweep, which saw none (or after the connection opened).
    enter(connection, "receiving", now, Math.max(lastSweep, connection.since));
    connection.baseline = baseline;
  };
  const fallIdle = (connection: Connection, now: number) => {
    connection.request = undefined;
    connection.answered = false;
    connection.slack = 2;
    enter(connection, "idle", now);
  };
  /** The request is arriving and the server is reading it: the client's pace is what we see. */
  const judged = (connection: Connection) =>
    connection.phase === "receiving" || (connection.phase === "busy" && !connection.upgraded && connection.request !== undefined && !connection.request.complete);

  const release = (connection: Connection) => {
    if (connection.released) return;
    connection.released = true;
    connections.delete(connection.socket);
    idle.delete(connection);
    fresh.delete(connection);
    if (connection.proxy) return;
    const left = (byAddress.get(connection.address) ?? 1) - 1;
    if (left > 0) byAddress.set(connection.address, left);
    else byAddress.delete(connection.address);
  };
  const forwardedFor = (connection: Connection) => (connection.proxy && connection.request && bounds.clientOf ? bounds.clientOf(connection.request) : undefined);
  const cut = (connection: Connection, reason: "too slow" | "shed at the cap") => {
    const wasIdle = connection.phase === "idle";
    if (reason === "too slow" && !connection.proxy) slowSenders.cut(connection.address, performance.now());
    bounds.onCut?.({ reason, address: connection.address, forwardedFor: forwardedFor(connection), idle: wasIdle });
    release(connection);
    // Nothing of a request has arrived, or its response is already written (the rest of its body
    // was not waited for): nothing to answer.
    if (wasIdle || connection.answered) connection.socket.destroy();
    else if (reason === "too slow") bounds.refuseRaw(connection.socket, "REQUEST_TIMEOUT", `The request arrived slower than ${bounds.minRateBytesPerSecond} bytes a second`);
    else bounds.refuseRaw(connection.socket, "SERVICE_UNAVAILABLE", "The server is at its connection limit and this request was arriving slowest");
  };

  const sweep = () => {
    const now = performance.now();
    const late = now - lastSweep - sweepMs;
    if (late > sweepMs) {
      // The event loop was held (a long turn, a pause of the process): bytes the clients sent
      // meanwhile still wait in the kernel, to be read after this timer, in this same turn. That
      // time is ours, not theirs: every clock moves on by it, and nothing is judged until the
      // next sweep has seen what was read.
      for (const connection of connections.values()) connection.since = Math.min(now, connection.since + late);
      lastSweep = now;
      return;
    }
    for (const connection of fresh) {
      if (wokeUp(connection)) startReceiving(connection, now);
      else if (now - connection.since >= bounds.rateGraceMs) {
        fresh.delete(connection);
        idle.add(connection);
      }
    }
    for (const connection of connections.values()) {
      if (wokeUp(connection)) startReceiving(connection, now);
      if (connection.answered && connection.request?.complete) fallIdle(connection, now);
      if (!judged(connection)) continue;
      if (connection.socket.isPaused()) {
        // The server stopped reading (a body not consumed yet, a response being written): the
        // client is waiting for us. Its measurement starts again once we read again.
        connection.since = now;
        connection.baseline = connection.socket.bytesRead;
        continue;
      }
      if (bounds.minRateBytesPerSecond === 0) continue;
      const owed = ((now - connection.since - bounds.rateGraceMs) / 1000) * bounds.minRateBytesPerSecond;
      if (owed > 0 && connection.socket.bytesRead - connection.baseline < owed) due.add(connection);
    }
    lastSweep = now;
    // A ranking serves one sweep interval (leastUseful ranks again after it). Dropped then, not
    // kept until the next newcomer at the cap: after a flood none may come, and the last ranking
    // held up to MAX_CONNECTIONS closed connections with their requests (65 MB, issue 25).
    if (now - rankedAt > sweepMs) ranking = [];
    if (due.size > 0 && !cutting) cutSome();
  };
  // The connections judged too slow are cut CUTS_PER_TURN at a time, the rest in the next turns
  // of the event loop: a flood's first wave falls due in one sweep (thousands of connections),
  // and cutting them all in one turn would hold every other client's request for as long.
  // Judged too slow and waiting in line to be cut, in the order judged (a Set: judged once).
  const due = new Set<Connection>();
  let cutting = false;
  const cutSome = () => {
    let cuts = 0;
    for (const connection of due) {
      if (cuts++ === CUTS_PER_TURN) break;
      due.delete(connection);
      if (!connection.released && judged(connection)) cut(connection, "too slow");
    }
    cutting = due.size > 0;
    if (cutting) setImmediate(cutSome);
  };
  const sweeper = setInterval(sweep, sweepMs);
  sweeper.unref();

  // The judged connections, slowest first (a direct client's before a proxy's), ranked at most
  // once a sweep: at the cap under a flood every newcomer needs a victim, and ranking them all
  // for each would cost the event loop what the flood wants it to spend.
  let ranking: Connection[] = [];
  let ranked = 0;
  let rankedAt = -Infinity;
  const rank = (now: number) => {
    const rated: { connection: Connection; rate: number }[] = [];
    for (const connection of connections.values()) {
      if (!judged(connection) || connection.socket.isPaused()) continue;
      // Bytes a second since its request began, the grace counted as elapsed, so that a request
      // that has just begun is not ranked on a few milliseconds.
      rated.push({ connection, rate: (connection.socket.bytesRead - connection.baseline) / Math.max(now - connection.since, bounds.rateGraceMs, 1) });
    }
    rated.sort((a, b) => Number(a.connection.proxy) - Number(b.connection.proxy) || a.rate - b.rate);
    ranking = rated.map((r) => r.connection);
    ranked = 0;
    rankedAt = now;
  };

  /**
   * The connection to close for a newcomer at the cap, if any may go: the one idle longest (idle
   * for a grace at least), then the slowest arriving, then a proxy's idle one, then a proxy's
   * slowest (see `fresh` for the new connections left out).
   */
  const leastUseful = (): Connection | undefined => {
    const now = performance.now();
    let proxyIdle: Connection | undefined;
    for (const connection of idle) {
      if (wokeUp(connection)) startReceiving(connection, now);
      // In the order they fell idle: this one and those after it did so less than a grace ago,
      // most likely between two requests of a client sending one after another, its next one
      // perhaps in the kernel's buffer already (closed then, that request is lost: the flood
      // bench's normal client lost one or two a run at the cap).
      else if (now - connection.since < bounds.rateGraceMs) break;
      else if (!connection.proxy) return connection;
      else proxyIdle ??= connection;
    }
    // Not ranked again before the sweep interval is over, even once all are taken: newcomers
    // at a cap held by busy connections are then refused at the cost of a glance each.
    if (now - rankedAt > sweepMs) rank(now);
    while (ranked < ranking.length) {
      const candidate = ranking[ranked];
      if (candidate.proxy && proxyIdle) return proxyIdle;
      ranked += 1;
      if (!candidate.released && judged(candidate)) return candidate;
    }
    return proxyIdle;
  };

  server.prependListener("request", (request: IncomingMessage, response: ServerResponse) => {
    const connection = connections.get(request.socket);
    if (!connection) return;
    // The headers have arrived; the body (if any) goes on being judged from the same start, with
    // the same bytes (those of headers that came between two sweeps too).
    if (connection.phase === "idle") startReceiving(connection, performance.now());
    connection.phase = "busy";
    connection.request = request;
    connection.answered = false;
    response.once("close", () => {
      if (connection.released || connection.upgraded || connection.request !== request) return;
      connection.answered = true;
      // A body the response did not wait for goes on arriving (Node reads it to its end), and
      // is judged as it does; the connection is idle once it has all arrived.
      if (request.complete) fallIdle(connection, performance.now());
    });
  });
  server.on("upgrade", (request: IncomingMessage) => {
    const connection = connections.get(request.socket);
    if (!connection) return;
    connection.upgraded = true;
    connection.request = undefined;
    enter(connection, "busy", performance.now());
  });
  /** Why a new connection is refused, if it is; at the cap, the connection it displaces is cut. */
  const refusalOf = (address: string, proxy: boolean): { message: string; retryAfterSeconds?: number } | undefined => {
    const penalty = proxy ? 0 : slowSenders.refusedFor(address, performance.now());
    if (penalty > 0) return { message: "This address's requests arrived too slowly during a flood of slow requests", retryAfterSeconds: penalty };
    if (!proxy && (byAddress.get(address) ?? 0) >= bounds.perAddress) return { message: "Too many open connections from this address" };
    if (connections.size >= bounds.total) {
      const victim = leastUseful();
      if (!victim) return { message: "The server is at its connection limit" };
      cut(victim, "shed at the cap");
    }
    return undefined;
  };
  // Node's own listeners (its HTTP parser's) run only for a connection let in: a refused one
  // costs no parser (under a flood of refusals, a microbenchmark measured a tenth less each).
  const inner = server.listeners("connection") as ((socket: Socket) => void)[];
  server.removeAllListeners("connection");
  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "";
    const proxy = bounds.isProxy(address);
    const refused = refusalOf(address, proxy);
    if (refused) return bounds.refuseRaw(socket, "SERVICE_UNAVAILABLE", `${refused.message}; retry later`, refused.retryAfterSeconds);
    if (!proxy) byAddress.set(address, (byAddress.get(address) ?? 0) + 1);
    const connection: Connection = { socket, address, proxy, phase: "idle", since: performance.now(), baseline: 0, answered: false, upgraded: false, released: false, slack: 0 };
    connections.set(socket, connection);
    fresh.add(connection);
    socket.once("close", () => release(connection));
    for (const listener of inner) listener.call(server, socket);
  });
  return {
    get open() {
      return connections.size;
    },
    /**
     * For shutdown: closes every connection with no request in flight. Node's own
     * closeIdleConnections leaves out a connection that never sent a request (browsers and
     * fetch open spare ones), and server.close() stops the timer that would expire it, so one
     * such socket would hold the shutdown forever.
     */
    closeUnused(): void {
      for (const connection of [...connections.values()]) if (connection.phase !== "busy") connection.socket.destroy();
    },
    stop(): void {
      clearInterval(sweeper);
    },
  };
}
