import type { FastifyReply, FastifyRequest } from "fastify";
import type { TracingConfig } from "./config";
import type { Tracing } from "./sdk";

/**
 * Tracing's hook points, as the rest of the app sees them. With no OTLP endpoint configured
 * `tracing` stays undefined: every hook point is one `tracing?.` or a function handed back
 * unwrapped, and the OpenTelemetry SDK (./sdk.ts) is never even loaded.
 */
export let tracing: Tracing | undefined;

/**
 * Loads the SDK and starts exporting. Must run before the modules it instruments (mongodb,
 * ioredis) are first required: main.ts calls it before it imports the app.
 */
export async function startTracing(config: TracingConfig | undefined): Promise<void> {
  if (!config || tracing) return;
  const { createTracing } = require("./sdk") as typeof import("./sdk");
  tracing = createTracing(config);
}

/** Sends the spans still waiting, then stops. */
export async function stopTracing(): Promise<void> {
  const current = tracing;
  tracing = undefined;
  await current?.shutdown();
}

type Stage = (request: FastifyRequest, reply: FastifyReply) => unknown;

/** A pipeline stage as a child span of its request's span named `name` (the stage itself when off). */
export function traced<S extends Stage>(name: string, stage: S): S {
  return tracing ? (tracing.stage(name, stage) as S) : stage;
}

/** The response-cache stage as a span that says hit, miss or 304 (the stage itself when off). */
export function tracedCache<S extends Stage>(stage: S): S {
  return tracing ? (tracing.cacheStage(stage) as S) : stage;
}

/** The server's request listener, each request in a server span (the listener itself when off). */
export function tracedRequests<L extends (...args: never[]) => unknown>(listener: L): L {
  return tracing ? (tracing.requests(listener as never) as unknown as L) : listener;
}

/** Where the trace context travels in a catalogue message over Redis (an extra field, ignored by replicas without tracing). */
export const TRACE_CONTEXT_FIELD = "traceContext";
