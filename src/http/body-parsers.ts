import type { FastifyInstance } from "fastify";
import { utf8Body } from "./graphql-over-http/decoding";
import { BODY_TYPES } from "./graphql-over-http/limit-refusals";

/**
 * Only JSON bodies: a cross-site "simple" request (text/plain, form data) gets 415 and never
 * runs. JSON bodies are checked to be UTF-8 before they are decoded (Node would put U+FFFD in
 * place of a bad sequence), then parsed by Fastify's own parser (with its prototype-poisoning
 * checks).
 */
export function acceptJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser("text/plain");
  const json = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser(BODY_TYPES, { parseAs: "buffer" }, (request, body, done) => {
    const text = utf8Body(body as Buffer);
    if (text instanceof Error) return done(text, undefined);
    return json(request, text, done);
  });
}
