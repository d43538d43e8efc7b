import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { FastifyInstance } from "fastify";
import { type ExecutionArgs, GraphQLError, type GraphQLSchema, parse, validate } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { ApiKeyService } from "../auth/api-key.service";
import type { Principal } from "../auth/principal";
import { classifyError } from "../errors/classify-error";
import { DomainError } from "../errors/domain-error";
import type { ErrorCode } from "../errors/error-codes";
import { formatError } from "../errors/format-error";
import { createContext, type Services } from "../graphql/context";
import { assertWithinCost, operationCost } from "../graphql/limits/cost";
import { documentGate } from "../graphql/limits/document-gate";
import type { OperationLimits } from "../graphql/limits/limits";
import { variablesDepthError } from "../graphql/limits/variables-depth";
import { checkKey } from "./authenticate";
import { budgetMessage, type ChargeFn, type RateBudgets } from "./rate-limit";
import { pathOf } from "./request-guards";

export interface SubscriptionOptions {
  schema: GraphQLSchema;
  services: Services;
  apiKeys: ApiKeyService;
  limits: OperationLimits;
  /** The same budgets as HTTP requests: failed keys per address, cost units per key or address. */
  budgets: RateBudgets;
  maxSubscriptionsPerConnection: number;
  maxConnectionsPerAddress: number;
  /** The client's address as TRUST_PROXY resolves it, as for HTTP requests. */
  clientAddress: (request: IncomingMessage) => string;
}

interface Connection {
  principal: Principal | null;
  /** Spends from the budget of the connection's key, or else of its client address. */
  charge: ChargeFn;
  subscriptions: number;
}

/**
 * Subscriptions over the graphql-ws protocol (what Apollo Client's GraphQLWsLink speaks) on
 * the same /graphql path, as WebSocket upgrades. The same API keys (connectionParams
 * { authorization: "Bearer <key>" }, checked once per connection; a bad key closes it with
 * 4403, and counts as a failed authentication of the address: one that failed too often is
 * refused, 4403 too, without a lookup), the same document limits and cost limit per
 * subscription, at most maxSubscriptionsPerConnection per connection and
 * maxConnectionsPerAddress per client address (behind trusted proxies, the address they
 * forward). Each subscribe spends 1 + its cost from the caller's rate budget, as a request
 * does: subscribing and completing in a loop is no cheaper than sending queries.
 */
export function attachSubscriptions(app: FastifyInstance, options: SubscriptionOptions) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const perAddress = new Map<string, number>();
  const gate = documentGate(options.limits);

  app.server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (pathOf(request.url ?? "") !== "/graphql") return refuseUpgrade(socket, 404, "Not Found");
    const address = options.clientAddress(request);
    const open = perAddress.get(address) ?? 0;
    if (open >= options.maxConnectionsPerAddress) return refuseUpgrade(socket, 429, "Too Many Requests");
    wss.handleUpgrade(request, socket, head, (ws) => {
      perAddress.set(address, open + 1);
      ws.once("close", () => {
        const left = (perAddress.get(address) ?? 1) - 1;
        if (left > 0) perAddress.set(address, left);
        else perAddress.delete(address);
      });
      wss.emit("connection", ws, request);
    });
  });

  const server = useServer<Record<string, unknown> | undefined, { connection?: Connection }>(
    {
      schema: options.schema,
      // Whatever NODE_ENV says: an unexpected error closes with "Internal server error", never its message.
      isProd: true,
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.authorization;
        const address = options.clientAddress(ctx.extra.request);
        let principal: Principal | null = null;
        if (header !== undefined) {
          let checked;
          try {
            checked = await checkKey(options.apiKeys, options.budgets, header, address);
          } catch (error) {
            // The key could not be checked (database unreachable): not 4403, as HTTP says 503,
            // and never graphql-ws's 4500 with the raw error as its reason.
            const unavailable = classifyError(error).code === "SERVICE_UNAVAILABLE";
            ctx.extra.socket.close(unavailable ? 1013 : 1011, unavailable ? "Service unavailable; retry" : "Internal server error");
            return false; // the close above is the one sent
          }
          if (!("principal" in checked)) return false; // graphql-ws closes with 4403 Forbidden
          principal = checked.principal;
        }
        ctx.extra.connection = { principal, charge: options.budgets.chargerOf(principal?.keyId, address), subscriptions: 0 };
        return true;
      },
      onSubscribe: async (ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        const connection = ctx.extra.connection!;
        if (connection.subscriptions >= options.maxSubscriptionsPerConnection) {
          return [refusal("TOO_MANY_SUBSCRIPTIONS", `At most ${options.maxSubscriptionsPerConnection} subscriptions per connection`)];
        }
        const overLimit = gate(payload.query) ?? variablesDepthError(payload.variables);
        if (overLimit) return [refusal(overLimit.code, overLimit.message, overLimit.details)];
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [refusal("GRAPHQL_PARSE_FAILED", (error as Error).message)];
        }
        const invalid = validate(options.schema, document);
        if (invalid.length) return invalid.map((e) => refusal("GRAPHQL_VALIDATION_FAILED", e.message));
        let cost: number;
        try {
          cost = operationCost(options.schema, document, payload.operationName ?? undefined, payload.variables ?? undefined);
          assertWithinCost(cost, options.limits.cost);
        } catch (error) {
          // A thrown error would close the whole connection (4500): refusals are this subscribe's.
          if (error instanceof DomainError) return [refusal(error.code, error.message, error.details)];
          throw error;
        }
        // Held from here (everything above is synchronous, so no other subscribe got past the
        // count meanwhile), given back if the budget refuses.
        connection.subscriptions += 1;
        const charge = await connection.charge(1 + cost);
        if (!charge.allowed) {
          connection.subscriptions -= 1;
          return [refusal("RATE_LIMITED", budgetMessage(charge), { cost, retryAfterSeconds: charge.resetSeconds })];
        }
        // Pushed events spend nothing: the subscribe paid for the subscription.
        const allow = async () => ({ allowed: true, limit: 0, remaining: 0, resetSeconds: 0, windowSeconds: 0 });
        return {
          schema: options.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: createContext(randomUUID(), connection.principal, options.services, allow),
        };
      },
      onComplete: (ctx) => {
        if (ctx.extra.connection) ctx.extra.connection.subscriptions -= 1;
      },
      // Errors in pushed results are shaped by the one formatter, as over HTTP.
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : result,
    },
    wss,
  );

  return {
    get connections(): number {
      return wss.clients.size;
    },
    /** Shutdown: every client is told (1001 Going Away) and disconnected. */
    async close(): Promise<void> {
      for (const client of wss.clients) client.close(1001, "Server shutting down");
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function refusal(code: ErrorCode, message: string, details: Record<string, unknown> = {}): GraphQLError {
  const shaped = formatError({ message }, new DomainError(code, message, details));
  return new GraphQLError(shaped.message, { extensions: shaped.extensions });
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}
