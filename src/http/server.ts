import { ApolloServer } from "@apollo/server";
import fastifyApollo, { fastifyApolloDrainPlugin } from "@as-integrations/fastify";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import type { GraphQLSchema } from "graphql";
import type { Connection } from "mongoose";
import type { CatalogueService } from "../catalogue/catalogue.service";
import type { Config } from "../config";
import { type ErrorCode, httpStatusOf } from "../errors/error-codes";
import { formatError } from "../errors/format-error";
import { type AppContext, createContext } from "../graphql/context";
import { errorReportingPlugin } from "./error-reporting.plugin";
import { REQUEST_ID_HEADER, requestIdOf } from "./request-id";

export interface HttpDeps {
  config: Config;
  schema: GraphQLSchema;
  catalogue: CatalogueService;
  connection: Connection;
  logStream?: { write(line: string): void };
}

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
  app.addHook("onRequest", async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });

  // Request-level failures get a GraphQL-shaped body with the same extensions as field errors.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    const code: ErrorCode = REQUEST_LEVEL[status] ?? (status < 500 ? "BAD_REQUEST" : "INTERNAL_SERVER_ERROR");
    if (code === "INTERNAL_SERVER_ERROR") request.log.error({ err: error }, "request failed");
    const message = code === "INTERNAL_SERVER_ERROR" ? "Internal server error" : error.message;
    return reply.code(status < 500 ? status : 500).send(graphqlErrorBody(code, message, request.id));
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
    context: async (request) => createContext(request.id, deps.catalogue),
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
