import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { httpStatusOf } from "../errors/error-codes";
import { errorBody, JSON_TYPE } from "./exit/refusal";
import { pathOf } from "./graphql-over-http/arrival";
import { newRequestId, REQUEST_ID_HEADER } from "./request-id";

/** What the probe listener serves: a load balancer's and an orchestrator's probes, nothing else. */
const PROBES = new Set(["/healthz", "/readyz"]);
/** Connections the probes need at once; past it, the oldest is closed for the newcomer. */
const MAX_PROBE_CONNECTIONS = 16;

/**
 * HEALTH_PORT: `/healthz` and `/readyz` on a listener of their own (on HEALTH_HOST), as Apollo
 * Router (its health check on 8088), Spring Boot's management port and Envoy's admin listener do.
 *
 * Why: a probe on the traffic port waits in the same accept queue as every client. Under a flood
 * of new connections from 20,000 addresses, a probe's handshake waited behind thousands of
 * them, 1 to 5 s (bench/floods.ts), and a load balancer would have taken a live replica out.
 * Here the probes answer as soon as the event loop turns.
 *
 * The same routes answer, through Fastify's own routing (its hooks, logs and metrics included);
 * any other path is 404 and the connection closed. Whoever reaches the port cannot hold it: at
 * most 16 connections are open, a newcomer closing the oldest, and each has 2 s for its headers,
 * 5 s for its request, 2 s idle between two (checked every 500 ms, not Node's 30 s).
 */
export async function listenForProbes(app: FastifyInstance, port: number, host: string): Promise<Server> {
  const server = createServer({ connectionsCheckingInterval: 500, headersTimeout: 2000, requestTimeout: 5000, keepAliveTimeout: 2000 }, (request, response) => {
    if (PROBES.has(pathOf(request.url ?? ""))) return app.routing(request, response);
    const requestId = newRequestId();
    const body = errorBody(requestId, "NOT_FOUND", `Only ${[...PROBES].join(" and ")} are served on this port`);
    response.writeHead(httpStatusOf("NOT_FOUND"), { "content-type": JSON_TYPE, [REQUEST_ID_HEADER]: requestId, connection: "close" }).end(body);
  });
  // Oldest first (a Set keeps insertion order).
  const open = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
    if (open.size > MAX_PROBE_CONNECTIONS) open.values().next().value?.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  // An error of the listening server (none is expected) is no reason to stop serving the API.
  server.on("error", (error) => app.log.warn({ err: error }, "the probe listener failed"));
  return server;
}
