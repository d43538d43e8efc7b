import { createServer } from "node:http";
import Fastify from "fastify";

/**
 * The ceilings: node:http answering every request with a fixed body, no framework, no GraphQL
 * ("node"), and Fastify doing the same from a route ("fastify"): the cost of the framework alone.
 */
const body = process.env.BODY ?? '{"data":null}';
const type = "application/json; charset=utf-8";

async function main() {
  if (process.argv[2] === "fastify") {
    const app = Fastify();
    app.get("/graphql", async (_request, reply) => reply.type(type).send(body));
    await app.listen({ port: 0, host: "127.0.0.1" });
    console.log(`listening at http://127.0.0.1:${(app.server.address() as { port: number }).port}/graphql`);
    return;
  }
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": type, "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  server.listen(0, "127.0.0.1", () => {
    console.log(`listening at http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`);
  });
}

void main();
