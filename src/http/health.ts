import type { FastifyInstance } from "fastify";
import type { DatabaseHealth } from "./database-health";

export interface HealthSources {
  health: DatabaseHealth;
  catalogue(): { digest: string; stalenessMs: number; stale: boolean; responseCache: object };
  redis?(): string;
}

/** Liveness (the process answers) and readiness (its database takes writes), read from state kept by DatabaseHealth. */
export function registerHealth(app: FastifyInstance, sources: HealthSources): void {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const state = sources.health.state;
    const catalogue = sources.catalogue();
    const redis = sources.redis && { redis: sources.redis() };
    if (state === "up") return { status: "ready", catalogue, ...redis };
    return reply.code(503).send({ status: state === "down" ? "database unavailable" : "database refuses writes", catalogue, ...redis });
  });
}
