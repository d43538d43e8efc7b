import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { ApolloClient, ApolloLink, CombinedGraphQLErrors, gql, HttpLink, InMemoryCache, type TypedDocumentNode } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { relayStylePagination } from "@apollo/client/utilities";
import * as example from "../examples/src/client";
import { compareCodePoints } from "../src/catalogue/read-model";
import { PROJECT_ROOT } from "../src/project-root";
import { createKey, startTestApp, type TestApp } from "./support/harness";

/** A real Apollo Client 4 over HTTP to the real server: what frontend apps rely on. */
let t: TestApp;
beforeAll(async () => (t = await startTestApp({ RATE_LIMIT_BUDGET: "10000000" })));
afterAll(() => t.stop());

/** Every request the client sends, with its method and URL. */
function countingFetch(log: { method: string; url: string; body?: string }[], headers: Record<string, string> = {}) {
  return (input: string | URL | Request, init?: RequestInit) => {
    log.push({ method: init?.method ?? "GET", url: String(input), body: init?.body as string | undefined });
    return fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } });
  };
}

function clientFor(options: { link?: ApolloLink; log?: { method: string; url: string }[] } = {}) {
  return new ApolloClient({
    link: options.link ?? new HttpLink({ uri: t.url, fetch: countingFetch(options.log ?? []) }),
    cache: new InMemoryCache({
      typePolicies: {
        Query: {
          fields: {
            statusCodes: relayStylePagination(["filter", "orderBy"]),
            // An entry already in the cache answers node(id) without a request.
            node: { read: (existing, { args, toReference }) => existing ?? toReference({ __typename: "StatusCode", id: args?.id }) },
          },
        },
      },
    }),
  });
}

type Page = {
  statusCodes: {
    totalCount: number;
    edges: { cursor: string; node: { id: string; code: number; reasonPhrase: string } }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  };
};
const PAGE: TypedDocumentNode<Page> = gql`
  query Page($first: Int, $after: String, $last: Int, $before: String, $orderBy: StatusCodeOrder) {
    statusCodes(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) {
      totalCount
      edges { cursor node { id code reasonPhrase } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`;

describe("When an Apollo Client app pages the catalogue with relayStylePagination and fetchMore", () => {
  test.each([
    ["code", { field: "CODE", direction: "ASC" }],
    ["reason phrase", { field: "REASON_PHRASE", direction: "ASC" }],
  ])("then forward and backward, ordered by %s, it sees every entry once, in order", async (_name, orderBy) => {
    const expected = (await t.gql<any>(`{ statusCodes(first: 100) { nodes { code reasonPhrase } } }`)).data.statusCodes.nodes as { code: number; reasonPhrase: string }[];
    if (orderBy.field === "REASON_PHRASE") expected.sort((a, b) => compareCodePoints(a.reasonPhrase, b.reasonPhrase) || a.code - b.code);

    for (const direction of ["forward", "backward"] as const) {
      const client = clientFor();
      const size = 7;
      const query = client.watchQuery({ query: PAGE, variables: direction === "forward" ? { first: size, orderBy } : { last: size, orderBy } });
      const first = await new Promise<Page>((resolve, reject) => {
        const sub = query.subscribe({ next: (r) => r.data && r.dataState === "complete" && (sub.unsubscribe(), resolve(r.data as Page)), error: reject });
      });
      let info = first.statusCodes.pageInfo;
      for (let i = 0; i < 20 && (direction === "forward" ? info.hasNextPage : info.hasPreviousPage); i += 1) {
        const more = direction === "forward" ? { first: size, after: info.endCursor } : { last: size, before: info.startCursor };
        info = (await query.fetchMore({ variables: more })).data!.statusCodes.pageInfo;
      }
      const merged = client.readQuery({ query: PAGE, variables: direction === "forward" ? { first: size, orderBy } : { last: size, orderBy } })!;
      expect(merged.statusCodes.edges.map((e) => e.node.code)).toEqual(expected.map((e) => e.code));
      expect(merged.statusCodes.totalCount).toBe(expected.length);
      client.stop();
    }
  });

  test("then entries normalize by id, and node(id) is read from the cache without a request", async () => {
    const log: { method: string; url: string }[] = [];
    const client = clientFor({ log });
    const page = await client.query({ query: PAGE, variables: { first: 5 } });
    const entry = page.data!.statusCodes.edges[2].node;
    expect(client.cache.identify(entry)).toBe(`StatusCode:${entry.id}`);

    const NODE = gql`query Node($id: ID!) { node(id: $id) { id ... on StatusCode { code reasonPhrase } } }`;
    const requestsBefore = log.length;
    const fromCache = await client.query({ query: NODE, variables: { id: entry.id }, fetchPolicy: "cache-first" });
    expect(fromCache.data).toEqual({ node: { __typename: "StatusCode", id: entry.id, code: entry.code, reasonPhrase: entry.reasonPhrase } });
    expect(log.length).toBe(requestsBefore);
    client.stop();
  });
});

describe("When a query partly fails under errorPolicy 'all'", () => {
  test("then the client keeps the partial data and sees the error's code and HTTP status", async () => {
    const client = clientFor();
    const res = await client.query({
      query: gql`{ ok: statusCode(code: 200) { code } missing: statusCode(code: 299) { code } }`,
      errorPolicy: "all",
    });
    expect(res.data).toEqual({ ok: { __typename: "StatusCode", code: 200 }, missing: null });
    expect(CombinedGraphQLErrors.is(res.error)).toBe(true);
    const [error] = (res.error as CombinedGraphQLErrors).errors;
    expect(error.path).toEqual(["missing"]);
    expect(error.extensions).toMatchObject({ code: "NOT_FOUND", httpStatus: 404 });
    client.stop();
  });
});

describe("When an Apollo Client app writes with a stale version", () => {
  test("then the mutation fails with PRECONDITION_FAILED, 412 and the current version", async () => {
    const { key } = await createKey(t, "admin", "Ada");
    const client = new ApolloClient({
      link: new HttpLink({ uri: t.url, headers: { authorization: `Bearer ${key}` } }),
      cache: new InMemoryCache(),
    });
    const UPDATE = gql`
      mutation Update($v: Int!) { updateStatusCode(code: 418, expectedVersion: $v, patch: { description: "Short and stout." }) { id version } }
    `;
    const current = (await t.gql<any>(`{ statusCode(code: 418) { version } }`)).data.statusCode.version;
    const done = await client.mutate({ mutation: UPDATE, variables: { v: current } });
    expect(done.data).toMatchObject({ updateStatusCode: { version: current + 1 } });

    const stale = await client.mutate({ mutation: UPDATE, variables: { v: current }, errorPolicy: "all" });
    const [error] = (stale.error as CombinedGraphQLErrors).errors;
    expect(error.extensions).toMatchObject({ code: "PRECONDITION_FAILED", httpStatus: 412, currentVersion: current + 1 });
    client.stop();
  });
});

describe("When an Apollo Client app uses GET and automatic persisted queries", () => {
  test("then a GET query works, the hash alone is tried first, and a second client is served by hash", async () => {
    const sha256 = (query: string) => createHash("sha256").update(query).digest("hex");
    const QUERY = gql`query Teapot { statusCode(code: 418) { code reasonPhrase } }`;
    const run = async () => {
      const log: { method: string; url: string }[] = [];
      const link = new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
        new HttpLink({ uri: t.url, useGETForQueries: true, fetch: countingFetch(log) }),
      );
      const client = clientFor({ link });
      const res = await client.query({ query: QUERY });
      client.stop();
      return { data: res.data, log };
    };

    const first = await run();
    expect(first.data).toEqual({ statusCode: { __typename: "StatusCode", code: 418, reasonPhrase: "(Unused)" } }); // 418 in the IANA registry
    expect(first.log.every((r) => r.method === "GET")).toBe(true);
    // Unknown hash, then the retry with the query.
    expect(first.log.map((r) => new URL(r.url).searchParams.has("query"))).toEqual([false, true]);

    const second = await run();
    expect(second.data).toEqual(first.data);
    expect(second.log).toHaveLength(1);
    expect(new URL(second.log[0].url).searchParams.has("query")).toBe(false);
  });
});

describe("When the generated example client (examples/) runs against the API", () => {
  test("then its typed operations page, read, list the error table and detect a lost race", async () => {
    const { key } = await createKey(t, "admin", "Ada");
    const client = example.createClient(t.url, key);
    const auth = await example.allClientErrors(client, "auth");
    expect(auth.map((e) => e.code)).toEqual(expect.arrayContaining([401, 407]));
    expect(await example.describeCode(client, 301)).toMatch(/^301 Moved Permanently \(v\d+, RFC 9110\); see also 308 Permanent Redirect/);
    expect((await example.errorCodesByStatus(client)).get(412)).toEqual(["PRECONDITION_FAILED"]);
    const v = (await t.gql<any>(`{ statusCode(code: 410) { version } }`)).data.statusCode.version;
    expect(await example.updateDescription(client, 410, v, "Gone for good.")).toEqual({ ok: true, version: v + 1 });
    expect(await example.updateDescription(client, 410, v, "Again.")).toEqual({ ok: false, currentVersion: v + 1 });
    client.stop();
  });
});

describe("When a newcomer runs the example with its command, `npm run example`", () => {
  test("then it compiles with the project's tsc and prints what it read from the API", async () => {
    const env = { ...process.env, STATUSGRAPH_URL: t.url };
    const { stdout } = await promisify(execFile)("npm", ["run", "example", "--silent"], { cwd: PROJECT_ROOT, env, timeout: 60_000 });
    expect(stdout).toMatch(/^429 Too Many Requests \(v\d+, RFC 6585\)/);
    expect(stdout).toMatch(/\[\s*401,[\s\S]*407/); // allClientErrors(client, "auth")
    expect(stdout).toContain("412 => [ 'PRECONDITION_FAILED' ]");
  }, 60_000);
});
