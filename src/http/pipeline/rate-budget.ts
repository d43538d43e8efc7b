import type { FastifyReply, FastifyRequest } from "fastify";
import { budgetMessage, type Charge, type ChargeFn, rateHeaders } from "../../graphql/charge";
import type { Refusal } from "./refusal";
import { refuse } from "./refusal";

/** The refusal of a spend the budget could not cover (429 with Retry-After), or undefined. */
export function budgetRefusal(charge: Charge, details?: Record<string, unknown>): Refusal | undefined {
  if (charge.allowed) return undefined;
  return { code: "RATE_LIMITED", message: budgetMessage(charge), details, headers: { "retry-after": String(charge.resetSeconds) } };
}

/**
 * The stage after authentication: every /graphql request spends 1 unit on arrival, from its
 * key's budget or else its address's, so even a request refused later was paid for. The
 * operation's cost is spent once known (see the operation-limits plugin).
 */
export function rateBudget(chargerOf: (keyId: string | undefined, address: string) => ChargeFn) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const charge = await chargerOf(request.state.principal?.keyId, request.ip)(1);
    request.state.charge = charge;
    for (const [name, value] of rateHeaders(charge)) reply.header(name, value);
    const refused = budgetRefusal(charge);
    return refused && refuse(reply, request.state, refused);
  };
}
