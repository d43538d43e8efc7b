import { createServer } from "node:http";

/** The ceiling: node:http answering every request with a fixed body, no framework, no GraphQL. */
const body = process.env.BODY ?? '{"data":null}';
const server = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, "127.0.0.1", () => {
  console.log(`listening at http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`);
});
