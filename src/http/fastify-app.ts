import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import proxyAddr from "@fastify/proxy-addr";
import Fastify, { type FastifyInstance } from "fastify";
import type { Config } from "../config";
import { tracedRequests, tracing } from "../tracing";
import { whenBodyArrived } from "./body-arrival";
import { boundConnections } from "./connection-bounds";
import { requestSerializer } from "./logging";
import { decodeQueryString } from "./graphql-over-http/decoding";
import { clientErrorHandler, errorHandler, routerRefusal, socketRefusal } from "./request-guards";
import { requestIdOf } from "./request-id";

const KEEP_ALIVE_TIMEOUT_MS = 72_000;

export interface FastifyAppOptions {
  config: Config;
  logStream?: { write(line: string): void };
  /** TRUST_PROXY as one function (`trustFunction`). */
  trusted(address: string, hop: number): boolean;
  clientAddress(request: IncomingMessage): string;
  /** What answers a request before Fastify (the fast path): false when it is not one of its own, else whether it answered. */
  beforeFastify(request: IncomingMessage, response: ServerResponse): false | Promise<boolean>;
}

/**
 * Fastify over a Node server of our own making: the fast path answers what it can before
 * Fastify sees the request, Node's deadlines bound a request's arrival, the connection bounds
 * cap and shed connections, and every error (Node's parse errors, the router's, a route's) is
 * answered in the API's error body.
 */
export function createFastifyApp(options: FastifyAppOptions): { app: FastifyInstance; connections: { closeUnused(): void; stop(): void } } {
  const { config, beforeFastify } = options;
  const errors = errorHandler(config.bodyLimitBytes);
  const app: FastifyInstance = Fastify({
    logger: {
      level: config.logLevel,
      serializers: { req: requestSerializer },
      ...(options.logStream && { stream: options.logStream }),
      // A traced request's log lines carry its trace_id and span_id.
      ...(tracing && { mixin: tracing.logFields }),
    },
    genReqId: requestIdOf,
    bodyLimit: config.bodyLimitBytes,
    // One strict decoding of every query string, read by every stage and handed to Apollo.
    routerOptions: { querystringParser: decodeQueryString },
    trustProxy: options.trusted,
    return503OnClosing: false, // the arrival stage answers in the API's error format
    clientErrorHandler: clientErrorHandler(config.corsOrigin),
    // A URL Fastify's router cannot read is answered in the API's error format, like any error.
    frameworkErrors: routerRefusal(errors, config.corsOrigin),
    serverFactory: (handler) => {
      // Deadlines for a request to arrive: a client trickling bytes holds its connection no
      // longer than this (Node answers 408 through clientErrorHandler). Checked every second.
      const server = createServer(
        { headersTimeout: config.connections.headersTimeoutMs, requestTimeout: config.connections.requestTimeoutMs, connectionsCheckingInterval: 1000 },
        tracedRequests((request: IncomingMessage, response: ServerResponse) =>
          // A body arrives before the request goes on (body-arrival.ts): a slow one is cut before
          // Fastify builds anything for it.
          whenBodyArrived(request, config.bodyLimitBytes, () => {
            const served = beforeFastify(request, response);
            if (served === false) handler(request, response);
            else {
              served.then(
                (done) => done || handler(request, response),
                (error) => {
                  // The fast path's only awaits are the key check and the budget: the pipeline
                  // answers such a failure (a database or Redis outage) as it always does.
                  app.log.warn({ err: error }, "fast path failed; the pipeline answers");
                  if (!response.headersSent) handler(request, response);
                },
              );
            }
          }),
        ),
      );
      // What Fastify sets on a server it makes itself: idle keep-alive sockets are kept longer
      // than clients and proxies keep theirs (undici 4 s, nginx 60 s), so that a client never
      // sends on a socket the server is closing at the same moment (Node's default is 5 s).
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
      return server;
    },
  });
  app.setErrorHandler(errors);
  // One log line a second at most, however many connections a flood makes us cut.
  const cuts = cutLog(app.log);
  const bounds = boundConnections(app.server, {
    perAddress: config.connections.perAddress,
    total: config.connections.total,
    isProxy: (address) => options.trusted(address, 0),
    minRateBytesPerSecond: config.connections.minRateBytesPerSecond,
    rateGraceMs: config.connections.rateGraceMs,
    slowSenderPenaltyMs: config.connections.slowSenderPenaltyMs,
    refuseRaw: socketRefusal(config.corsOrigin),
    clientOf: options.clientAddress,
    onCut: (event) => cuts.count(event),
  });
  return {
    app,
    connections: {
      closeUnused: () => bounds.closeUnused(),
      stop() {
        bounds.stop();
        cuts.stop();
      },
    },
  };
}

/**
 * TRUST_PROXY as one function, for Fastify's requests and for the WebSocket upgrades Fastify
 * never sees: nothing, the `hops` addresses nearest the socket, or the listed proxies.
 */
export function trustFunction(trust: Config["trustProxy"]): (address: string, hop: number) => boolean {
  if (trust === false) return () => false;
  if (typeof trust === "number") return (_address, hop) => hop < trust;
  return proxyAddr.compile(trust);
}

/** Connections cut for their rate or shed at the cap, told once a second as counts. */
function cutLog(log: FastifyInstance["log"]) {
  let tooSlow = 0;
  let shedIdle = 0;
  let shedSlowest = 0;
  let forwarded: string | undefined;
  const timer = setInterval(() => {
    if (tooSlow + shedIdle + shedSlowest === 0) return;
    log.warn({ tooSlow, shedIdle, shedSlowest, ...(forwarded && { lastForwardedFor: forwarded }) }, "connections cut in the last second: requests arriving below the minimum rate (408), and connections closed for newcomers at the connection cap");
    tooSlow = shedIdle = shedSlowest = 0;
    forwarded = undefined;
  }, 1000);
  timer.unref();
  return {
    count(event: { reason: "too slow" | "shed at the cap"; idle: boolean; forwardedFor?: string }) {
      if (event.reason === "too slow") tooSlow += 1;
      else if (event.idle) shedIdle += 1;
      else shedSlowest += 1;
      forwarded = event.forwardedFor ?? forwarded;
    },
    stop: () => clearInterval(timer),
  };
}
