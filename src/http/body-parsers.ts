import type { FastifyInstance } from "fastify";
import { bodyText, parsedBodyRefusal } from "./graphql-over-http/decoding";
import { BODY_TYPES } from "./graphql-over-http/limit-refusals";

/**
 * Only JSON bodies: a cross-site "simple" request (text/plain, form data) gets 415 and never
 * runs. JSON bodies are read one way or refused (decoding.ts: UTF-8, no member given twice)
 * before they are decoded, then parsed by Fastify's own parser (with its prototype-poisoning
 * checks), and a GraphQL text with a NUL in it is refused. A POST, a QUERY and a stream's
 * request (SSE, multipart) all come through here, before any stage reads the body.
 */
export function acceptJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser("text/plain");
  const json = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser(BODY_TYPES, { parseAs: "buffer" }, (request, body, done) => {
    const text = bodyText(body as Buffer);
    if (text instanceof Error) return done(text, undefined);
    return json(request, text, (error, params) => {
      if (error) return done(error, undefined);
      const refused = parsedBodyRefusal(params);
      return refused ? done(refused, undefined) : done(null, params);
    });
  });
}
