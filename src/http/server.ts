import { ApolloServer } from "@apollo/server";
import fastifyApollo, { fastifyApolloDrainPlugin } from "@as-integrations/fastify";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import type { GraphQLSchema } from "graphql";
import type { Connection } from "mongoose";
import type { ApiKeyService } from "../auth/api-key.service";
import { classifyError } from "../errors/classify-error";
import type { Config } from "../config";
import { type ErrorCode, httpStatusOf } from "../errors/error-codes";
import { formatError } from "../errors/format-error";
import { type AppContext, createContext, type Services } from "../graphql/context";
import { authenticate } from "./authenticate";
import { errorReportingPlugin } from "./error-reporting.plugin";
import { REQUEST_ID_HEADER, requestIdOf } from "./request-id";

export interface HttpDeps {
  config: Config;
  schema: GraphQLSchema;
  services: Services;
  apiKeys: ApiKeyService;
  connection: Connection;
  logStream?: { write(line: string): void };
}

/** What a 503 tells clients to wait: the driver re-checks an unreachable server every 0.5-10 s. */
export const RETRY_AFTER_SECONDS = 5;

// Failures Fastify itself raises before GraphQL runs, by HTTP status.
const REQUEST_LEVEL: Record<number, ErrorCode> = {
  400: "BAD_REQUEST",
  404: "NOT_FOUND",
};

export async function createHttpServer(deps: HttpDeps): Promise<{ app: FastifyInstance; apollo: ApolloServer<AppContext> }> {
  const app = Fastify({
    logger: { level: deps.config.logLevel, ...(deps.logStream && { stream: deps.logStream }) },
    genReqId: requestIdOf,
    bodyLimit: deps.config.bodyLimitBytes,
  });
  app.decorateRequest("principal", null);
  app.addHook("onRequest", async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  const auth = authenticate(deps.apiKeys, (request, reply) =>
    reply.code(401).send(graphqlErrorBody("UNAUTHENTICATED", "The API key is invalid or revoked", request.id)),
  );
  app.addHook("onRequest", async (request, reply) => {
    if (request.url.startsWith("/graphql")) return auth(request, reply);
  });

  // Request-level failures get a GraphQL-shaped body with the same extensions as field errors.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // Fastify's own errors carry a 4xx status; anything else (a database failure in a hook) is classified.
    const fastifyStatus = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : undefined;
    const classified = classifyError(error);
    const code: ErrorCode = fastifyStatus ? (REQUEST_LEVEL[fastifyStatus] ?? "BAD_REQUEST") : classified.code;
    const status = fastifyStatus ?? httpStatusOf(code);
    if (status >= 500) request.log.error({ err: error, code }, "request failed");
    if (code === "SERVICE_UNAVAILABLE") reply.header("retry-after", String(RETRY_AFTER_SECONDS));
    const message = fastifyStatus ? error.message : classified.message;
    return reply.code(status).send(graphqlErrorBody(code, message, request.id));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(graphqlErrorBody("NOT_FOUND", `No route ${request.method} ${request.url.split("?")[0]}`, request.id)),
  );

  const apollo = new ApolloServer<AppContext>({
    schema: deps.schema,
    formatError,
    includeStacktraceInErrorResponses: false, // whatever NODE_ENV says
    // The schema is public by design (committed, published for codegen): introspection stays on in production.
    introspection: true,
    plugins: [fastifyApolloDrainPlugin(app), errorReportingPlugin(app.log)],
  });
  await apollo.start();

  await app.register(fastifyApollo(apollo), {
    path: "/graphql",
    context: async (request) => createContext(request.id, request.principal, deps.services),
  });

  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const up = await ping(deps.connection);
    return reply.code(up ? 200 : 503).send({ status: up ? "ready" : "database unavailable" });
  });

  return { app, apollo };
}

function graphqlErrorBody(code: ErrorCode, message: string, requestId: string) {
  return { errors: [{ message, extensions: { code, httpStatus: httpStatusOf(code), requestId } }] };
}

async function ping(connection: Connection): Promise<boolean> {
  try {
    await connection.db?.admin().ping({ maxTimeMS: 1000 });
    return connection.db !== undefined;
  } catch {
    return false;
  }
}
