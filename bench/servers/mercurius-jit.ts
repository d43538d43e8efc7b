import Fastify from "fastify";
import mercurius from "mercurius";
import { memory, resolvers, typeDefs } from "./catalogue-baseline";

/**
 * The peer a user would pick for speed: mercurius on Fastify with graphql-jit (`jit: 1`
 * compiles a query on its first run; mercurius also keeps parsed, validated documents by their
 * text). It executes every request, from the same in-memory data and resolvers as the bare
 * Apollo baseline: no response cache, no limits, no auth.
 */
async function main() {
  const app = Fastify();
  await app.register(mercurius, { schema: typeDefs, resolvers: resolvers(memory()), jit: 1, path: "/graphql" });
  await app.listen({ port: 0, host: "127.0.0.1" });
  console.log(`listening at http://127.0.0.1:${(app.server.address() as { port: number }).port}/graphql`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
