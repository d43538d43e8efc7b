import type { FastifyInstance } from "fastify";
import { httpTransport, type Subject } from "../admission/subject";
import type { CacheSlot } from "./response-cache";

/**
 * Everything one request's stages learn and pass on, declared once: each stage reads what the
 * ones before it wrote, and nothing travels in ad-hoc request fields. It is the request's
 * Subject for the admission list (admission/), as a graphql-ws subscribe's is.
 */
export interface RequestState extends Subject {
  /** The caller's safe X-Request-Id, else a new one: in every error body and log line. */
  readonly id: string;
  /**
   * The method the stages and Apollo read: a HEAD is answered as its GET would be (RFC 9110: the
   * same status and headers, no body), so it is "GET" here and `head` says so. Node's own request
   * keeps its HEAD, and Node sends no body for it; Fastify routes it to the GET handler.
   */
  method: string;
  /** Whether the request is a HEAD (answered as a GET, without the body). */
  readonly head: boolean;
  /** A cacheable read: its key and ETag, known before execution. */
  cache?: CacheSlot;
  /** Its response was taken over from Fastify (a subscription's stream: exit/take-over.ts), and counts itself. */
  takenOver?: true;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the first onRequest hook (`declareRequestState`), so every hook, handler and error handler after it has one. */
    state: RequestState;
  }
}

/**
 * The request state, declared as Fastify 5 wants a reference type declared (null on the
 * prototype, each request's own object set in a hook) and set in the first onRequest hook of all,
 * before CORS answers a preflight or any stage runs: nothing after it needs a fallback. Register
 * it before any other hook. The one request that passes no hook is one Fastify's router refuses
 * (a malformed URL: `frameworkErrors`), which sets its own.
 */
export function declareRequestState(app: FastifyInstance): void {
  // Null on the prototype (Fastify's types take null for a declared reference type in this form, with its dependencies).
  app.decorateRequest("state", null, []);
  app.addHook("onRequest", (request, _reply, done) => {
    request.state = newState(request.id, request.method, request.ip, request.headers.authorization);
    done();
  });
}

export function newState(id: string, method: string, address: string, credentials: string | undefined): RequestState {
  const head = method === "HEAD";
  const as = head ? "GET" : method;
  return { id, method: as, head, transport: httpTransport(as), address, credentials, principal: null, operation: {}, errorCodes: [] };
}
