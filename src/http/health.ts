import type { FastifyInstance } from "fastify";
import { factsOf, httpStatusOf } from "../errors/error-codes";
import type { DatabaseHealth } from "./database-health";
import { refuse } from "./exit/refusal";

export interface HealthSources {
  health: DatabaseHealth;
  /** Past this without the database, the process is reported unhealthy. */
  databaseDownAfterMs: number;
  catalogue(): { digest: string; stalenessMs: number; stale: boolean; responseCache: object };
  redis?(): string;
}

/**
 * Liveness (the process answers, and has not been without its database for too long) and
 * readiness (its database takes writes), read from state kept by DatabaseHealth.
 */
export function registerHealth(app: FastifyInstance, sources: HealthSources): void {
  app.get("/healthz", async (request, reply) => {
    const downForMs = sources.health.downForMs;
    if (downForMs < sources.databaseDownAfterMs) return { status: "ok" };
    // Reconnecting is automatic, and an embedded database is restarted: a database still down
    // this long is past what waiting fixes, and a restart of the process (what a liveness probe
    // does) is the next thing to try. A full disk is not "down": a restart frees no space.
    return refuse(reply, request.state, {
      code: "SERVICE_UNAVAILABLE",
      message: `The database has been unavailable for ${Math.floor(downForMs / 1000)} s`,
      details: { databaseDownForMs: downForMs },
    });
  });
  app.get("/readyz", async (_request, reply) => {
    const state = sources.health.state;
    const catalogue = sources.catalogue();
    const redis = sources.redis && { redis: sources.redis() };
    if (state === "up") return { status: "ready", catalogue, ...redis };
    // The body a probe reads stays the readiness report; status and Retry-After are the table's.
    const unavailable = "SERVICE_UNAVAILABLE";
    return reply
      .code(httpStatusOf(unavailable))
      .header("retry-after", String(factsOf(unavailable).retryAfterSeconds))
      .send({ status: state === "down" ? "database unavailable" : "database refuses writes", catalogue, ...redis });
  });
}
