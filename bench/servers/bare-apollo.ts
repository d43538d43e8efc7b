import "reflect-metadata";
import { ApolloServer } from "@apollo/server";
import fastifyApollo from "@as-integrations/fastify";
import Fastify from "fastify";
import mongoose from "mongoose";
import { loadSeedEntries } from "../../src/catalogue/seed/catalogue-seed";

/**
 * Baselines for the read benchmark: a bare Apollo Server on Fastify, no limits, no caching,
 * no auth, answering the benchmark's queries either from an in-memory array ("memory") or by
 * reading the same database with mongoose ("mongoose", MONGODB_URI).
 */
const typeDefs = `#graphql
  type StatusCode { code: Int! reasonPhrase: String! description: String! related: [StatusCode!]! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type StatusCodeEdge { cursor: String! node: StatusCode! }
  type StatusCodeConnection { edges: [StatusCodeEdge!]! nodes: [StatusCode!]! pageInfo: PageInfo! totalCount: Int! }
  type Query { statusCode(code: Int!): StatusCode statusCodes(first: Int): StatusCodeConnection! }
`;
type Entry = { code: number; reasonPhrase: string; description: string; relatedCodes: number[] };

interface Source {
  one(code: number): Promise<Entry | null> | Entry | null;
  page(first: number): Promise<Entry[]> | Entry[];
  count(): Promise<number> | number;
  many(codes: number[]): Promise<Entry[]> | Entry[];
}

function memory(): Source {
  const entries = loadSeedEntries().sort((a, b) => a.code - b.code);
  const byCode = new Map(entries.map((e) => [e.code, e]));
  return {
    one: (code) => byCode.get(code) ?? null,
    page: (first) => entries.slice(0, first),
    count: () => entries.length,
    many: (codes) => codes.map((c) => byCode.get(c)).filter((e): e is Entry & typeof entries[number] => e !== undefined),
  };
}

async function database(uri: string): Promise<Source> {
  const connection = await mongoose.createConnection(uri).asPromise();
  const model = connection.model<Entry>("StatusCode", new mongoose.Schema({}, { strict: false, collection: "status_codes" }));
  return {
    one: (code) => model.findOne({ code }).lean<Entry>().exec(),
    page: (first) => model.find({ retired: null }).sort({ code: 1 }).limit(first).lean<Entry[]>().exec(),
    count: () => model.countDocuments({ retired: null }).exec(),
    many: (codes) => model.find({ code: { $in: codes } }).lean<Entry[]>().exec(),
  };
}

async function main() {
  const source = process.argv[2] === "mongoose" ? await database(process.env.MONGODB_URI!) : memory();
  const apollo = new ApolloServer({
    typeDefs,
    resolvers: {
      Query: {
        statusCode: (_: unknown, { code }: { code: number }) => source.one(code),
        statusCodes: async (_: unknown, { first }: { first?: number }) => {
          const nodes = await source.page(first ?? 20);
          return { nodes, edges: nodes.map((node) => ({ cursor: String(node.code), node })), pageInfo: { hasNextPage: true, endCursor: null } };
        },
      },
      StatusCodeConnection: { totalCount: () => source.count() },
      StatusCode: { related: (entry: Entry) => source.many(entry.relatedCodes) },
    },
  });
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
