import { createServer, type Server } from "node:http";
import type { FastifyInstance } from "fastify";
import { rawRefusal } from "./exit/refusal";
import { pathOf } from "./graphql-over-http/arrival";

/** What the probe listener serves: a load balancer's and an orchestrator's probes, nothing else. */
const PROBES = new Set(["/healthz", "/readyz"]);

/**
 * HEALTH_PORT: `/healthz` and `/readyz` on a listener of their own, as Apollo Router (its health
 * check on 8088), Spring Boot's management port and Envoy's admin listener do.
 *
 * Why: a probe on the traffic port waits in the same accept queue as every client. Under a flood
 * of new connections from 20,000 addresses, a probe's handshake waited behind thousands of
 * them, 1 to 5 s (bench/floods.ts), and a load balancer would have taken a live replica out.
 * Here the probes answer as soon as the event loop turns.
 *
 * The same routes answer, through Fastify's own routing (its hooks, logs and metrics included);
 * any other path is 404. A probe needs few connections: past 16 open, Node closes a newcomer
 * before it is read, and a request has 5 s. Bind it where only the probes reach it.
 */
export async function listenForProbes(app: FastifyInstance, port: number, host: string): Promise<Server> {
  const server = createServer((request, response) => {
    if (PROBES.has(pathOf(request.url ?? ""))) return app.routing(request, response);
    request.socket.end(rawRefusal("NOT_FOUND", `Only ${[...PROBES].join(" and ")} are served on this port`));
  });
  server.maxConnections = 16;
  server.headersTimeout = 2000;
  server.requestTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
