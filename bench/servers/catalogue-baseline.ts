import mongoose from "mongoose";
import { loadSeedEntries } from "../../src/catalogue/seed/catalogue-seed";

/**
 * What every GraphQL baseline of the read benchmark serves: the slice of the schema its queries
 * use, and resolvers over either an in-memory array of the seed ("memory") or the same database
 * read with mongoose. One copy, so the baselines differ only in the server that runs them.
 */
export const typeDefs = `#graphql
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

export function memory(): Source {
  const entries = loadSeedEntries().sort((a, b) => a.code - b.code);
  const byCode = new Map(entries.map((e) => [e.code, e]));
  return {
    one: (code) => byCode.get(code) ?? null,
    page: (first) => entries.slice(0, first),
    count: () => entries.length,
    many: (codes) => codes.map((c) => byCode.get(c)).filter((e): e is Entry & typeof entries[number] => e !== undefined),
  };
}

export async function database(uri: string): Promise<Source> {
  const connection = await mongoose.createConnection(uri).asPromise();
  const model = connection.model<Entry>("StatusCode", new mongoose.Schema({}, { strict: false, collection: "status_codes" }));
  return {
    one: (code) => model.findOne({ code }).lean<Entry>().exec(),
    page: (first) => model.find({ retired: null }).sort({ code: 1 }).limit(first).lean<Entry[]>().exec(),
    count: () => model.countDocuments({ retired: null }).exec(),
    many: (codes) => model.find({ code: { $in: codes } }).lean<Entry[]>().exec(),
  };
}

/** Plain resolvers, no limits, no caching, no auth: the same for Apollo and mercurius. */
export function resolvers(source: Source) {
  return {
    Query: {
      statusCode: (_: unknown, { code }: { code: number }) => source.one(code),
      statusCodes: async (_: unknown, { first }: { first?: number }) => {
        const nodes = await source.page(first ?? 20);
        return { nodes, edges: nodes.map((node) => ({ cursor: String(node.code), node })), pageInfo: { hasNextPage: true, endCursor: null } };
      },
    },
    StatusCodeConnection: { totalCount: () => source.count() },
    StatusCode: { related: (entry: Entry) => source.many(entry.relatedCodes) },
  };
}
