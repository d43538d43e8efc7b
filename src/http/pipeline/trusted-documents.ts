import type { FastifyReply, FastifyRequest } from "fastify";
import { admitDocument, type DocumentParams, type TrustedDocuments } from "../../graphql/trusted-documents";
import { paramsOf } from "./decoding";
import { refuse } from "./refusal";

/**
 * The stage of /graphql requests that applies trusted documents before anything reads the
 * document (response cache, document limits, Apollo). It needs the request's GraphQL params
 * (the parsed body of a POST; the query string of a GET) and may rewrite them: a listed hash or
 * documentId becomes `query` + `extensions.persistedQuery` with that document and its hash, as
 * if the client had sent both (the response cache keys it by hash, Apollo checks the pair).
 * The execution stage hands Apollo a GET's params from `request.query`, so the rewrite here is
 * what runs.
 */
export function trustedDocumentsStage(trusted: TrustedDocuments) {
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined => {
    const found = paramsOf(request);
    if (!found) return undefined;
    const get = found.inUrl;
    const params = found.params as Record<string, unknown> | undefined;
    if (!params || typeof params !== "object" || Array.isArray(params)) return undefined; // Apollo refuses it
    const admission = admitDocument(trusted, get ? getParams(params) : (params as DocumentParams));
    if (admission.kind === "pass") return undefined;
    if (admission.kind === "refused") return refuse(reply, request.state, { code: admission.code, message: admission.message });
    const extensions = { persistedQuery: { version: 1, sha256Hash: admission.hash } };
    if (get) {
      delete params.documentId;
      Object.assign(params, { query: admission.document, extensions: JSON.stringify(extensions) });
    } else {
      delete params.documentId;
      Object.assign(params, { query: admission.document, extensions: { ...(params.extensions as object | undefined), ...extensions } });
    }
    return undefined;
  };
}

/** A GET carries its extensions as JSON text; anything unparseable is Apollo's to refuse. */
function getParams(params: Record<string, unknown>): DocumentParams {
  let extensions: unknown;
  if (typeof params.extensions === "string") {
    try {
      extensions = JSON.parse(params.extensions);
    } catch {
      extensions = undefined;
    }
  }
  return { query: params.query, extensions, documentId: params.documentId };
}
