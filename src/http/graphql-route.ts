import type { ApolloServer } from "@apollo/server";
import type { FastifyInstance } from "fastify";
import { type AppContext, createContext, type Services } from "../graphql/context";
import { executionStage } from "./graphql-over-http/execution";
import type { ResponseCache } from "./graphql-over-http/response-cache";
import type { RateBudgets } from "./rate-limit";
import { ALLOWED_METHODS } from "./request-guards";

export interface GraphqlRouteOptions {
  apollo: ApolloServer<AppContext>;
  services: Services;
  budgets: RateBudgets;
  responses: ResponseCache;
  digest(): string;
  cacheMaxAgeSeconds: number;
}

/**
 * /graphql: GET, POST and QUERY (Fastify answers HEAD with the GET handler), run by the
 * execution stage with the context the stages' state gives: the caller and the budget to charge.
 */
export function registerGraphqlRoute(app: FastifyInstance, options: GraphqlRouteOptions): void {
  const { budgets, services } = options;
  app.route({
    method: ["GET", "POST", "QUERY"],
    url: "/graphql",
    handler: executionStage({
      apollo: options.apollo,
      contextOf: (request) => createContext(request.state, request.state.principal, services, budgets.chargerOf(request.state.principal?.keyId, request.ip)),
      cache: options.responses,
      digest: options.digest,
      cacheMaxAgeSeconds: options.cacheMaxAgeSeconds,
      allow: ALLOWED_METHODS["/graphql"],
    }),
  });
}
