import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApolloServerPlugin } from "@apollo/server";
import { type Attributes, type Context, context, type Link, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { MongoDBInstrumentation } from "@opentelemetry/instrumentation-mongodb";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-node";
import type { FastifyReply, FastifyRequest } from "fastify";
import { type DocumentNode, getOperationAST, type GraphQLError } from "graphql";
import type { Principal } from "../auth/principal";
import type { RequestRecord } from "../graphql/context";
import type { TracingConfig } from "./config";

/** Attributes of the GraphQL OpenTelemetry working group's draft, and this app's own. */
export const ATTR = {
  operationType: "graphql.operation.type",
  operationName: "graphql.operation.name",
  documentHash: "graphql.document.hash",
  documentId: "graphql.document.id",
  errorType: "error.type",
  status: "http.response.status_code",
  method: "http.request.method",
  route: "http.route",
  path: "url.path",
  requestId: "statusgraph.request.id",
  replica: "statusgraph.replica.id",
  cost: "statusgraph.cost",
  budgetLeft: "statusgraph.budget.remaining",
  cache: "statusgraph.cache.status",
  subscribers: "statusgraph.subscribers",
  code: "statusgraph.catalogue.code",
  version: "statusgraph.catalogue.version",
} as const;

/** Operation names longer than this are not recorded (as in the metrics). */
const MAX_OPERATION_NAME_LENGTH = 64;
/** Requests that are no one's story: probes and scrapes (they would flood the backend). */
const UNTRACED_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

type Stage = (request: FastifyRequest, reply: FastifyReply) => unknown;
type Listener = (request: IncomingMessage, response: ServerResponse) => void;
export type CacheStatus = "hit" | "miss" | "304" | "uncacheable";

/** One traced HTTP request: its server span, and what the stages learned about it. */
interface Traced {
  span: Span;
  context: Context;
  state?: RequestRecord & { principal?: Principal | null; charge?: { remaining: number }; cache?: unknown };
  cache?: CacheStatus;
  documentHash?: string;
  budgetLeft?: number;
}

export type Tracing = ReturnType<typeof createTracing>;

/**
 * The OpenTelemetry SDK, loaded only when tracing is configured (see index.ts): a tracer
 * provider exporting OTLP over HTTP in batches, the W3C trace-context propagator, the
 * maintained MongoDB and ioredis instrumentations (spans only inside a traced request or
 * delivery: the catalogue poll's commands are not traced), and the spans of this app:
 * - a SERVER span per HTTP request (fast path included), WebSocket subscribe, or HTTP stream;
 * - INTERNAL child spans: admission, response cache, document limits, graphql.parse,
 *   graphql.validate, graphql.execute (Apollo's plugin hooks); never one per resolver;
 * - a PRODUCER span per catalogue change published over Redis, and a CONSUMER span per
 *   replica that delivers it, a child of (and linked to) the publish.
 */
export function createTracing(config: TracingConfig) {
  const replica = config.instanceId;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      ...config.resourceAttributes,
      "service.name": config.serviceName,
      "service.instance.id": replica,
    }),
    sampler: samplerOf(config),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: config.tracesUrl }), { scheduledDelayMillis: config.scheduleDelayMs })],
  });
  // The AsyncLocalStorage context manager and the W3C traceparent/tracestate propagator.
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [new MongoDBInstrumentation({ requireParentSpan: true }), new IORedisInstrumentation({ requireParentSpan: true })],
  });
  const tracer = provider.getTracer("statusgraph");
  const requests = new WeakMap<IncomingMessage, Traced>();
  const byState = new WeakMap<RequestRecord, Traced>();

  const attach = (traced: Traced, state: Traced["state"] | undefined) => {
    if (!state || traced.state === state) return;
    traced.state = state;
    byState.set(state, traced);
  };

  const child = (traced: Traced, name: string, attributes?: Attributes): Span => tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, traced.context);

  const fail = (span: Span, errorType: string) => {
    span.setAttribute(ATTR.errorType, errorType);
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
  };

  const finish = (traced: Traced, response: ServerResponse) => {
    const { span, state } = traced;
    const status = response.statusCode;
    span.setAttribute(ATTR.status, status);
    if (state) {
      span.setAttribute(ATTR.requestId, state.id);
      operationAttributes(span, state, state.principal ?? null);
      if (state.operation.cost !== undefined) span.setAttribute(ATTR.cost, state.operation.cost);
    }
    const budgetLeft = traced.budgetLeft ?? state?.charge?.remaining;
    if (budgetLeft !== undefined) span.setAttribute(ATTR.budgetLeft, budgetLeft);
    const cache = traced.cache ?? (state?.cache ? "miss" : undefined);
    if (cache) span.setAttribute(ATTR.cache, cache);
    if (traced.documentHash) span.setAttribute(ATTR.documentHash, traced.documentHash);
    // A trusted document's id is its hash (the manifests key them by it).
    if (traced.documentHash && state?.operation.listed) span.setAttribute(ATTR.documentId, traced.documentHash);
    const errorType = state?.errorCodes[0] ?? (status >= 500 ? String(status) : !response.writableFinished ? "aborted" : undefined);
    if (errorType) span.setAttribute(ATTR.errorType, errorType);
    // Per the HTTP conventions a server span is an error for a 5xx only (a 4xx is the client's).
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
    span.end();
  };

  const apolloPlugin = (): ApolloServerPlugin<{ request: RequestRecord }> => ({
    async requestDidStart({ contextValue }) {
      const traced = byState.get(contextValue.request);
      if (!traced) return {}; // a request not sampled
      const phase = (name: string) => tracer.startSpan(name, { kind: SpanKind.INTERNAL }, traced.context);
      return {
        async parsingDidStart() {
          const span = phase("graphql.parse");
          return async (error) => {
            if (error) fail(span, "GRAPHQL_PARSE_FAILED");
            span.end();
          };
        },
        async validationDidStart() {
          const span = phase("graphql.validate");
          return async (errors) => {
            if (errors?.length) fail(span, "GRAPHQL_VALIDATION_FAILED");
            span.end();
          };
        },
        async didResolveOperation({ queryHash }) {
          traced.documentHash = `sha256:${queryHash}`;
        },
        async executionDidStart() {
          const span = phase("graphql.execute");
          return {
            async executionDidEnd(error) {
              if (error) fail(span, "INTERNAL_SERVER_ERROR");
              span.end();
            },
          };
        },
        async willSendResponse({ response }) {
          const left = response.http.headers.get("x-ratelimit-remaining");
          if (left !== undefined) traced.budgetLeft = Number(left);
        },
      };
    },
  });

  return {
    replica,

    /** The server's request listener: each request in a SERVER span, its context active throughout. */
    requests(listener: Listener): Listener {
      return (request, response) => {
        const url = request.url ?? "";
        const q = url.indexOf("?");
        const path = q === -1 ? url : url.slice(0, q);
        if (UNTRACED_PATHS.has(path)) return listener(request, response);
        const parent = propagation.extract(ROOT_CONTEXT, request.headers);
        const span = tracer.startSpan(
          `${request.method} ${path === "/graphql" ? path : "other"}`,
          {
            kind: SpanKind.SERVER,
            attributes: { [ATTR.method]: request.method, [ATTR.path]: path.length > 256 ? path.slice(0, 256) : path, [ATTR.replica]: replica, ...(path === "/graphql" && { [ATTR.route]: path }) },
          },
          parent,
        );
        // Not sampled: nothing more is made for it (no child spans, no database spans, no
        // context carried through its events), so that a low ratio costs little.
        if (!span.isRecording()) return listener(request, response);
        const active = trace.setSpan(parent, span);
        const traced: Traced = { span, context: active };
        requests.set(request, traced);
        response.once("close", () => finish(traced, response));
        // Listeners of the request's and response's events (the body's arrival, the log line of
        // its completion) run in the request's context too.
        context.bind(active, request);
        context.bind(active, response);
        context.with(active, listener, undefined, request, response);
      };
    },

    /** A stage of the pipeline as a child span; a refusal it sends is its error.type. */
    stage(name: string, stage: Stage): Stage {
      return async (request, reply) => {
        const traced = requests.get(request.raw);
        if (!traced) return stage(request, reply);
        const span = child(traced, name);
        try {
          return await context.with(trace.setSpan(traced.context, span), () => stage(request, reply));
        } catch (error) {
          fail(span, (error as { code?: string }).code ?? "INTERNAL_SERVER_ERROR");
          throw error;
        } finally {
          attach(traced, request.state);
          const code = reply.sent ? request.state.errorCodes[0] : undefined;
          if (code) fail(span, code);
          span.end();
        }
      };
    },

    /** The response-cache stage: hit, miss, 304 (a matching If-None-Match) or uncacheable. */
    cacheStage(stage: Stage): Stage {
      return async (request, reply) => {
        const traced = requests.get(request.raw);
        if (!traced) return stage(request, reply);
        const span = child(traced, "response cache");
        try {
          return await stage(request, reply);
        } finally {
          const status: CacheStatus = !request.state.cache ? "uncacheable" : !reply.sent ? "miss" : reply.statusCode === 304 ? "304" : "hit";
          traced.cache = status;
          span.setAttribute(ATTR.cache, status);
          if (status === "hit" || status === "304") traced.documentHash = documentHashOf(request.method === "POST" ? request.body : request.query);
          span.end();
        }
      };
    },

    /**
     * What the fast path (before Fastify) did for a request: its state, and the cache's
     * answer (a hit or a 304) or the refusal it sent (the key's, or the budget's).
     */
    served(request: IncomingMessage, state: Traced["state"], cache: "hit" | "304" | undefined, params?: unknown, refusal?: string): void {
      const traced = requests.get(request);
      if (!traced) return;
      attach(traced, state);
      const code = refusal ?? state?.errorCodes[0];
      if (refusal && state && state.errorCodes.length === 0) state.errorCodes.push(refusal as never);
      if (code) {
        // The fast path's refusals are its admission's (the key's, or the budget's).
        const admission = child(traced, "admission");
        fail(admission, code);
        admission.end();
        traced.span.setAttribute(ATTR.errorType, code);
        return;
      }
      if (cache) {
        traced.cache = cache;
        traced.documentHash = documentHashOf(params);
        child(traced, "response cache", { [ATTR.cache]: cache }).end();
      }
    },

    apolloPlugin,

    /** A graphql-ws subscribe: a SERVER span around its admission, parented by the client's traceparent. */
    async subscribe<T extends { document: DocumentNode; operationName?: string | null }>(
      connectionParams: Record<string, unknown> | undefined,
      payload: { query: string; operationName?: string | null; extensions?: Record<string, unknown> | null },
      principal: Principal | null,
      admit: () => Promise<T | readonly GraphQLError[]>,
    ): Promise<T | readonly GraphQLError[]> {
      const parent = propagation.extract(ROOT_CONTEXT, carrierOf(payload.extensions) ?? carrierOf(connectionParams?.extensions) ?? carrierOf(connectionParams) ?? {});
      const span = tracer.startSpan(
        "subscription",
        {
          kind: SpanKind.SERVER,
          attributes: { [ATTR.operationType]: "subscription", "network.protocol.name": "websocket", [ATTR.route]: "/graphql", [ATTR.replica]: replica, [ATTR.documentHash]: documentHashOf(payload) },
        },
        parent,
      );
      try {
        const admitted = await context.with(trace.setSpan(parent, span), admit);
        if (Array.isArray(admitted)) {
          const code = (admitted as readonly GraphQLError[])[0]?.extensions?.code;
          if (typeof code === "string") fail(span, code);
        } else {
          const name = getOperationAST((admitted as T).document, (admitted as T).operationName)?.name?.value;
          if (principal && name && name.length <= MAX_OPERATION_NAME_LENGTH) {
            span.setAttribute(ATTR.operationName, name);
            span.updateName(`subscription ${name}`);
          }
        }
        return admitted;
      } finally {
        span.end();
      }
    },

    /** A catalogue change published over Redis: a PRODUCER span, whose context travels with the message. */
    publish(channel: string, entry: { code: number; version: number }, send: (carrier?: Record<string, string>) => void): void {
      // Only within a traced write: an unsampled one's deliveries are not traced either.
      if (!trace.getSpan(context.active())?.isRecording()) return send();
      const span = tracer.startSpan("catalogue publish", {
        kind: SpanKind.PRODUCER,
        attributes: { "messaging.system": "redis", "messaging.destination.name": channel, "messaging.operation.type": "send", [ATTR.code]: entry.code, [ATTR.version]: entry.version, [ATTR.replica]: replica },
      });
      const active = trace.setSpan(context.active(), span);
      const carrier: Record<string, string> = {};
      propagation.inject(active, carrier);
      try {
        context.with(active, () => send(carrier));
      } finally {
        span.end();
      }
    },

    /** One replica's delivery of a published change to its model and subscribers: a CONSUMER span linked to the publish. */
    deliver(channel: string, carrier: unknown, entry: { code: number; version: number }, subscribers: number, run: () => void): void {
      const traceContext = carrierOf(carrier);
      if (!traceContext) return run(); // published by an unsampled write, or by a replica without tracing
      const parent = propagation.extract(ROOT_CONTEXT, traceContext);
      const published = trace.getSpanContext(parent);
      const links: Link[] = published ? [{ context: published }] : [];
      const span = tracer.startSpan(
        "catalogue delivery",
        {
          kind: SpanKind.CONSUMER,
          links,
          attributes: {
            "messaging.system": "redis",
            "messaging.destination.name": channel,
            "messaging.operation.type": "process",
            [ATTR.code]: entry.code,
            [ATTR.version]: entry.version,
            [ATTR.subscribers]: subscribers,
            [ATTR.replica]: replica,
          },
        },
        parent,
      );
      try {
        context.with(trace.setSpan(parent, span), run);
      } catch (error) {
        fail(span, "INTERNAL_SERVER_ERROR");
        throw error;
      } finally {
        span.end();
      }
    },

    /** Pino's mixin: the trace and span of the log line's request, if it is traced. */
    logFields(): Record<string, string> {
      const span = trace.getSpan(context.active());
      if (!span) return {};
      const { traceId, spanId, traceFlags } = span.spanContext();
      return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}` };
    },

    async shutdown(): Promise<void> {
      unregister();
      await provider.shutdown();
    },
  };
}

function samplerOf(config: TracingConfig): Sampler {
  const ratio = () => new TraceIdRatioBasedSampler(config.ratio);
  switch (config.sampler) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return ratio();
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: ratio() });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/**
 * Operation type always; the name only where the set of names is bounded, as in the metrics:
 * a trusted document's (the manifests bound them) or an API key holder's, and not too long.
 */
function operationAttributes(span: Span, state: RequestRecord, principal: Principal | null): void {
  const { type, name, listed } = state.operation;
  if (!type) return;
  span.setAttribute(ATTR.operationType, type);
  const bounded = name && (listed || principal !== null) && name.length <= MAX_OPERATION_NAME_LENGTH;
  if (bounded) span.setAttribute(ATTR.operationName, name);
  span.updateName(bounded ? `${type} ${name}` : type);
}

/** `sha256:<hex>` of the document a request names: its text, or the persisted query's hash. */
function documentHashOf(params: unknown): string | undefined {
  if (!params || typeof params !== "object") return undefined;
  const { query, extensions } = params as { query?: unknown; extensions?: unknown };
  if (typeof query === "string") return `sha256:${createHash("sha256").update(query).digest("hex")}`;
  let parsed = extensions;
  if (typeof parsed === "string") {
    try {
      parsed = JSON.parse(parsed);
    } catch {
      return undefined;
    }
  }
  const hash = (parsed as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
  return typeof hash === "string" && /^[0-9a-f]{64}$/.test(hash) ? `sha256:${hash}` : undefined;
}

/** A trace-context carrier: an object with a string `traceparent`. */
function carrierOf(value: unknown): Record<string, string> | undefined {
  if (!value || typeof value !== "object") return undefined;
  const { traceparent, tracestate } = value as { traceparent?: unknown; tracestate?: unknown };
  if (typeof traceparent !== "string") return undefined;
  return typeof tracestate === "string" ? { traceparent, tracestate } : { traceparent };
}
