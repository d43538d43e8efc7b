import type { Principal } from "../../auth/principal";
import type { Charge } from "../../graphql/charge";
import type { RequestRecord } from "../../graphql/context";
import type { CacheSlot } from "./response-cache";

/**
 * Everything one request's stages learn and pass on, declared once: each stage reads what the
 * ones before it wrote, and nothing travels in ad-hoc request fields.
 */
export interface RequestState extends RequestRecord {
  /** The caller's safe X-Request-Id, else a new one: in every error body and log line. */
  readonly id: string;
  /** The key's owner once authentication ran; null for anonymous callers. */
  principal: Principal | null;
  /** The last spend from the caller's budget: its rate-limit headers. */
  charge?: Charge;
  /** A cacheable read: its key and ETag, known before execution. */
  cache?: CacheSlot;
}

declare module "fastify" {
  interface FastifyRequest {
    state: RequestState;
  }
}

export function newState(id: string): RequestState {
  return { id, principal: null, operation: {}, errorCodes: [] };
}
