import { createServer } from "node:http";
import Fastify from "fastify";

/**
 * The ceilings: node:http answering every request with a fixed body, no framework, no GraphQL
 * ("node"), and Fastify doing the same from a route ("fastify"): the cost of the framework alone.
 * With HEADERS (the headers of a StatusGraph cache hit, as JSON pairs), "node" sends those
 * headers byte for byte (Node adds Date and Connection as it does for the API) and the body as
 * a Buffer, as the fast path does, with STATUS (200, or 304 and no body): the limit for that
 * response on this runtime.
 */
const body = process.env.BODY ?? '{"data":null}';
const type = "application/json; charset=utf-8";
const SKIPPED = new Set(["date", "connection", "keep-alive"]);
const sameHeaders = process.env.HEADERS ? withoutNodesOwn(JSON.parse(process.env.HEADERS) as [string, string][]) : undefined;
const status = Number(process.env.STATUS ?? 200);

function withoutNodesOwn(headers: [string, string][]): string[] {
  return headers.filter(([name]) => !SKIPPED.has(name.toLowerCase())).flat();
}

async function main() {
  if (process.argv[2] === "fastify") {
    const app = Fastify();
    app.get("/graphql", async (_request, reply) => reply.type(type).send(body));
    await app.listen({ port: 0, host: "127.0.0.1" });
    console.log(`listening at http://127.0.0.1:${(app.server.address() as { port: number }).port}/graphql`);
    return;
  }
  const bytes = Buffer.from(body);
  const server = createServer((_req, res) => {
    if (sameHeaders) {
      res.writeHead(status, sameHeaders);
      if (status === 304) res.end();
      else res.end(bytes);
      return;
    }
    res.writeHead(200, { "content-type": type, "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  server.listen(0, "127.0.0.1", () => {
    console.log(`listening at http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`);
  });
}

void main();
