import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { TrustedDocumentsPolicy } from "../graphql/trusted-documents";
import { PROJECT_ROOT } from "../project-root";
import { isGraphqlRoute } from "./graphql-over-http/arrival";

/** Built by `npm run build` (scripts/build-playground.ts): GraphiQL, Monaco's workers, styles, a font. */
const ASSET_DIR = join(PROJECT_ROOT, "dist", "playground");
const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".ttf": "font/ttf",
};

/**
 * Everything from this origin; styles may be inline (GraphiQL and Monaco set them at run time),
 * scripts never. No request of the page can leave the origin.
 */
export const PLAYGROUND_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:", // GraphiQL's CSS embeds its fonts: nothing is fetched for them
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Inline (img-src allows data:), so the browser does not ask for a /favicon.ico there is none of. */
const ICON = "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'><circle cx='8' cy='8' r='7' fill='%23e10098'/></svg>";

/**
 * The page as served: #graphiql carries TRUSTED_DOCUMENTS_POLICY (`off` without TRUSTED_DOCUMENTS)
 * for playground/index.tsx, which explains a refusing policy and, under `strict`, takes the
 * schema from /schema.graphql. An attribute, not an inline script: the CSP allows none.
 */
const page = (policy: TrustedDocumentsPolicy | "off") => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>StatusGraph playground</title>
    <link rel="icon" href="${ICON}">
    <link rel="stylesheet" href="/playground/app.css">
  </head>
  <body>
    <div id="graphiql" data-trusted-documents="${policy}">Loading the playground…</div>
    <script type="module" src="/playground/app.js"></script>
  </body>
</html>
`;

/**
 * What the page says of trusted documents, by server. Set by app.ts once the server is made
 * (`tellPlaygroundPolicy`), before it listens: server.ts registers the page without the config.
 */
const POLICIES = new WeakMap<FastifyInstance, TrustedDocumentsPolicy>();

/** The server's TRUSTED_DOCUMENTS_POLICY, for its playground page (undefined: no TRUSTED_DOCUMENTS). */
export function tellPlaygroundPolicy(app: FastifyInstance, policy: TrustedDocumentsPolicy | undefined): void {
  if (policy) POLICIES.set(app, policy);
  else POLICIES.delete(app);
}

/**
 * The offline playground: `GET /graphql` asked for HTML (a browser's address bar) gets the
 * GraphiQL page; its assets are served from memory under /playground/. GET requests that carry
 * a query are GraphQL requests as before, whatever they accept.
 */
export function registerPlayground(app: FastifyInstance) {
  const assets = new Map<string, { type: string; body: Buffer }>();
  if (!existsSync(ASSET_DIR)) {
    // Built by `npm run build`, not by tsc alone: say so rather than die on a bare ENOENT.
    throw new Error(`The playground is not built (${ASSET_DIR} is missing): run \`npm run build\`, or set PLAYGROUND=false`);
  }
  for (const name of readdirSync(ASSET_DIR)) {
    assets.set(name, { type: TYPES[extname(name)] ?? "application/octet-stream", body: readFileSync(join(ASSET_DIR, name)) });
  }
  app.get<{ Params: { file: string } }>("/playground/:file", async (request, reply) => {
    const asset = assets.get(request.params.file);
    if (!asset) return reply.callNotFound();
    return reply.type(asset.type).header("cache-control", "public, max-age=3600").header("x-content-type-options", "nosniff").send(asset.body);
  });
  // A preHandler of /graphql, before the response cache and the limits: the page is no GraphQL.
  return async (request: FastifyRequest, reply: FastifyReply) => {
    // The state's method: a HEAD is answered as its GET would be.
    if (request.state.method !== "GET" || !isGraphqlRoute(request) || !wantsPage(request)) return;
    return reply
      .type("text/html; charset=utf-8")
      .header("content-security-policy", PLAYGROUND_CSP)
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "no-referrer")
      .send(page(POLICIES.get(app) ?? "off"));
  };
}

function wantsPage(request: FastifyRequest): boolean {
  const query = request.query as Record<string, unknown>;
  return Boolean(request.headers.accept?.includes("text/html")) && query.query === undefined && query.extensions === undefined;
}
