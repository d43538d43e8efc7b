import type { FastifyInstance } from "fastify";
import type { GraphQLSchema } from "graphql";
import Negotiator from "negotiator";
import { printAppSchema } from "../graphql/schema";

export interface FrontDoorOptions {
  schema: GraphQLSchema;
  playground: boolean;
  /** GET /metrics exists (METRICS_TOKEN is set); it still needs the token. */
  metrics: boolean;
}

/** What `GET /` answers with: a program's `*\/*` (curl, fetch) gets the first. */
const TYPES = ["application/json", "text/html"];

/**
 * `GET /`, where a newcomer lands first (http://localhost:4000/ in a browser, or a curl), is
 * not the API, so it points the way rather than answering 404: a browser is sent to the
 * playground (302 to /graphql, which serves the page to an Accept of text/html), a program
 * gets the links as JSON. Links are relative: behind a proxy, the origin is the proxy's.
 * `GET /schema.graphql` is the schema's SDL, the committed file's text, for codegen and
 * editors, whatever TRUSTED_DOCUMENTS_POLICY allows to run.
 */
export function registerFrontDoor(app: FastifyInstance, options: FrontDoorOptions): void {
  const pointer = JSON.stringify({
    message: "StatusGraph: the GraphQL API is at /graphql (POST a JSON body, or GET with ?query=)",
    links: {
      graphql: "/graphql",
      ...(options.playground && { playground: "/graphql" }),
      schema: "/schema.graphql",
      health: "/healthz",
      readiness: "/readyz",
      ...(options.metrics && { metrics: "/metrics" }),
    },
  });
  app.get("/", async (request, reply) => {
    reply.header("vary", "accept");
    const type = new Negotiator({ headers: { accept: request.headers.accept ?? "*/*" } }).mediaType(TYPES);
    if (type === "text/html" && options.playground) {
      return reply.redirect("/graphql", 302).type("text/html; charset=utf-8").send('<!doctype html><title>StatusGraph</title><a href="/graphql">The playground is at /graphql</a>\n');
    }
    return reply.type("application/json; charset=utf-8").send(pointer);
  });
  const sdl = printAppSchema(options.schema);
  app.get("/schema.graphql", async (_request, reply) => reply.type("text/plain; charset=utf-8").header("cache-control", "public, max-age=60").send(sdl));
}
