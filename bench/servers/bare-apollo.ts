import "reflect-metadata";
import { ApolloServer } from "@apollo/server";
import fastifyApollo from "@as-integrations/fastify";
import Fastify from "fastify";
import { database, memory, resolvers, typeDefs } from "./catalogue-baseline";

/**
 * Baselines for the read benchmark: a bare Apollo Server on Fastify, no limits, no caching,
 * no auth, answering the benchmark's queries either from an in-memory array ("memory") or by
 * reading the same database with mongoose ("mongoose", MONGODB_URI).
 */
async function main() {
  const source = process.argv[2] === "mongoose" ? await database(process.env.MONGODB_URI!) : memory();
  const apollo = new ApolloServer({ typeDefs, resolvers: resolvers(source) });
  await apollo.start();
  const app = Fastify();
  await app.register(fastifyApollo(apollo), { path: "/graphql" });
  await app.listen({ port: 0, host: "127.0.0.1" });
  console.log(`listening at http://127.0.0.1:${(app.server.address() as { port: number }).port}/graphql`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
