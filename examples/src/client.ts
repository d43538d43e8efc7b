import { ApolloClient, CombinedGraphQLErrors, HttpLink, InMemoryCache } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { relayStylePagination } from "@apollo/client/utilities";
import type { DocumentNode } from "graphql";
import type { ErrorCode } from "./gql/graphql";
import { ClientErrorsPage, EntryWithRelated, ErrorTable, UpdateDescription } from "./operations";

/**
 * A typed client of StatusGraph on Apollo Client 4: every result and variable below is typed
 * from schema.graphql by `npm run codegen`. `npm run example` compiles it with the project's
 * tsc and runs the reads at the bottom against a running API (STATUSGRAPH_URL, default
 * http://localhost:4000/graphql; STATUSGRAPH_KEY, optional, is sent as a bearer key).
 * `updateDescription` is the edit an app makes with an editor's key; the script makes none.
 */
export function createClient(uri: string, apiKey?: string, fetch?: typeof globalThis.fetch) {
  // Trusted documents: every operation travels as the hash codegen gave it, alone (its manifest,
  // gql/persisted-documents.json, is what a server started with TRUSTED_DOCUMENTS runs). A server
  // without that manifest answers PERSISTED_QUERY_NOT_FOUND: this client then sends plain
  // documents from there on (the hash is of codegen's print, not Apollo's: no APQ registration).
  const hashes = new PersistedQueryLink({
    generateHash: manifestHash,
    disable: ({ meta }) => meta.persistedQueryNotSupported || meta.persistedQueryNotFound,
  });
  return new ApolloClient({
    link: hashes.concat(new HttpLink({ uri, headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {}, ...(fetch && { fetch }) })),
    cache: new InMemoryCache({ typePolicies: { Query: { fields: { statusCodes: relayStylePagination(["filter", "orderBy"]) } } } }),
  });
}

/** The hash codegen embedded in a generated document (`sha256:<hex>`), as Apollo's extension wants it (hex). */
function manifestHash(document: DocumentNode): string {
  const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
  if (!hash) throw new Error("Not a document from examples/src/gql: it has no manifest hash");
  return hash.replace(/^sha256:/, "");
}

export async function allClientErrors(client: ApolloClient, search?: string): Promise<{ code: number; reasonPhrase: string }[]> {
  const found: { code: number; reasonPhrase: string }[] = [];
  let after: string | null | undefined;
  do {
    const { data } = await client.query({ query: ClientErrorsPage, variables: { after, search }, fetchPolicy: "network-only" });
    const page = data!.statusCodes;
    found.push(...page.edges.map((e) => ({ code: e.node.code, reasonPhrase: e.node.reasonPhrase })));
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : undefined;
  } while (after);
  return found;
}

export async function describeCode(client: ApolloClient, code: number): Promise<string> {
  const { data } = await client.query({ query: EntryWithRelated, variables: { code } });
  const entry = data?.statusCode;
  if (!entry) return `${code}: not in the catalogue`;
  const related = entry.related.map((r) => `${r.code} ${r.reasonPhrase}`).join(", ");
  return `${entry.code} ${entry.reasonPhrase} (v${entry.version}, ${entry.specification.document}); see also ${related || "nothing"}`;
}

/** What each HTTP status means for this API's errors, from the schema's own table. */
export async function errorCodesByStatus(client: ApolloClient): Promise<Map<number, ErrorCode[]>> {
  const { data } = await client.query({ query: ErrorTable });
  const byStatus = new Map<number, ErrorCode[]>();
  for (const row of data!.errorCodes) byStatus.set(row.httpStatus, [...(byStatus.get(row.httpStatus) ?? []), row.code]);
  return byStatus;
}

/** An edit that tells a lost race apart from other failures. */
export async function updateDescription(client: ApolloClient, code: number, expectedVersion: number, description: string) {
  const result = await client.mutate({ mutation: UpdateDescription, variables: { code, expectedVersion, description }, errorPolicy: "all" });
  if (CombinedGraphQLErrors.is(result.error)) {
    const conflict = result.error.errors.find((e) => e.extensions?.code === "PRECONDITION_FAILED");
    if (conflict) return { ok: false as const, currentVersion: conflict.extensions!.currentVersion as number };
    throw result.error;
  }
  return { ok: true as const, version: result.data!.updateStatusCode.version };
}

if (require.main === module) {
  const client = createClient(process.env.STATUSGRAPH_URL ?? "http://localhost:4000/graphql", process.env.STATUSGRAPH_KEY);
  (async () => {
    console.log(await describeCode(client, 429));
    console.log((await allClientErrors(client, "auth")).map((e) => e.code));
    console.log(await errorCodesByStatus(client));
  })().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
