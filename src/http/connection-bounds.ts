import { type IncomingMessage, STATUS_CODES, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { httpStatusOf } from "../errors/error-codes";
import { randomUUID } from "node:crypto";
import { errorBody } from "./pipeline/refusal";

export interface ConnectionBounds {
  /** Open TCP connections (HTTP and WebSocket alike) from one socket address. */
  perAddress: number;
  /** Open TCP connections in all. */
  total: number;
  /** Trusted proxies carry many clients on their connections: they are never counted per address. */
  isProxy: (address: string) => boolean;
}

/**
 * Caps on open connections, checked as each arrives, before a byte of it is parsed: a client
 * that opens connections and trickles bytes into them (slow headers, slow bodies, idle
 * keep-alives) can hold at most `perAddress` of this process's sockets, and all clients
 * together at most `total`, well below the file-descriptor limit, so that /healthz and
 * everyone else still get a socket. Past a cap the connection gets a 503 with Retry-After and
 * is closed. (The deadlines that end each held connection are Node's headersTimeout and
 * requestTimeout, set with the server.)
 */
export function boundConnections(server: Server, bounds: ConnectionBounds): { readonly open: number; closeUnused(): void } {
  const byAddress = new Map<string, number>();
  let open = 0;
  // What shutdown may close: sockets with no request in flight and not upgraded to WebSocket.
  const sockets = new Set<Socket>();
  const busy = new WeakSet<Socket>();
  server.prependListener("request", (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    busy.add(socket);
    response.once("close", () => busy.delete(socket));
  });
  server.on("upgrade", (request: IncomingMessage) => busy.add(request.socket));
  server.prependListener("connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "";
    const counted = !bounds.isProxy(address);
    const mine = counted ? (byAddress.get(address) ?? 0) : 0;
    if (open >= bounds.total || mine >= bounds.perAddress) return refuse(socket, open >= bounds.total ? "The server is at its connection limit" : "Too many open connections from this address");
    open += 1;
    if (counted) byAddress.set(address, mine + 1);
    sockets.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      open -= 1;
      if (!counted) return;
      const left = (byAddress.get(address) ?? 1) - 1;
      if (left > 0) byAddress.set(address, left);
      else byAddress.delete(address);
    });
  });
  return {
    get open() {
      return open;
    },
    /**
     * For shutdown: closes every connection with no request in flight. Node's own
     * closeIdleConnections leaves out a connection that never sent a request (browsers and
     * fetch open spare ones), and server.close() stops the timer that would expire it, so one
     * such socket would hold the shutdown forever.
     */
    closeUnused(): void {
      for (const socket of sockets) if (!busy.has(socket)) socket.destroy();
    },
  };
}

/** 503 straight onto the socket, then closed once written: the request is never parsed. */
function refuse(socket: Socket, message: string): void {
  const status = httpStatusOf("SERVICE_UNAVAILABLE");
  const body = errorBody(randomUUID(), "SERVICE_UNAVAILABLE", `${message}; retry later`);
  socket.on("error", () => {}); // the client may be gone already
  socket.pause(); // nothing it sends is read: the parser must not answer it too
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nretry-after: 1\r\nconnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
