import type { DocumentNode } from "graphql";
import type { Principal } from "../../auth/principal";
import type { Charge } from "../../graphql/charge";
import type { RequestRecord } from "../../graphql/context";
import type { GraphqlRequest } from "./request";

/**
 * The ways a GraphQL request comes in: GraphQL over HTTP by method (a HEAD is its GET), a
 * graphql-ws subscribe, and the two HTTP stream protocols (set once a subscription is found).
 * Anything else that reaches /graphql (a PUT, say) is `other`: identified and charged, then 405.
 */
export type Transport = "GET" | "POST" | "QUERY" | "graphql-ws" | "sse" | "multipart" | "other";

/**
 * What the admission list reads and writes, whatever carried the request: who sent it (the
 * address as TRUST_PROXY resolves it, the credentials as sent), the request itself once its
 * transport decoded it, and what the checks learn on the way (the caller, the last charge,
 * the parsed document, the operation). The HTTP pipeline's request state is one; graphql-ws
 * makes one per subscribe.
 */
export interface Subject extends RequestRecord {
  transport: Transport;
  readonly address: string;
  /** The `Authorization` value (or graphql-ws's connectionParams.authorization): undefined is anonymous. */
  readonly credentials: unknown;
  /** The key's owner once identified; null for anonymous callers. */
  principal: Principal | null;
  /** The last spend from the caller's budget: its rate-limit headers. */
  charge?: Charge;
  /** The request, once decoded by its transport (trusted documents may rewrite it). */
  graphql?: GraphqlRequest;
  /** The parsed, valid document, once the document check (or Apollo) made it. */
  document?: DocumentNode;
  /** The SHA-256 of the document's text, where the transport knows it already (Apollo's queryHash). */
  documentHash?: string;
}

export function httpTransport(method: string): Transport {
  return method === "GET" || method === "POST" || method === "QUERY" ? method : "other";
}
