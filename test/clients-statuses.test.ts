import { ApolloClient as ApolloClient3, ApolloError, gql as gql3, HttpLink as HttpLink3, InMemoryCache as InMemoryCache3 } from "@apollo/client3/core";
import { ApolloClient, CombinedGraphQLErrors, gql, HttpLink, InMemoryCache, ServerError } from "@apollo/client";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { ClientError, GraphQLClient } from "graphql-request";
import { startTestApp, type TestApp } from "./support/harness";

/**
 * What the clients people use do with the 2026 draft's statuses: a partial result at 294 and
 * a validation failure at 422. Each over real HTTP to the real server, with the client's own
 * defaults (Apollo Client 3 sends `Accept: *\/*`, 4 the draft's `application/graphql-response+json,
 * application/json;q=0.9`, graphql-request both types, GraphiQL's fetcher `application/json`).
 */
let t: TestApp;
beforeAll(async () => (t = await startTestApp({ LOG_LEVEL: "silent" })));
afterAll(() => t.stop());

const PARTIAL = "{ ok: statusCode(code: 200) { code } missing: statusCode(code: 299) { code } }";
const INVALID = "{ statusCode(code: 200) { nope } }";
/** Statuses as the server sent them, seen beside each client. */
const seen: number[] = [];
const recordingFetch = (input: string | URL | Request, init?: RequestInit) =>
  fetch(input, init).then((res) => {
    seen.push(res.status);
    return res;
  });

describe("Apollo Client 3", () => {
  const client = () => new ApolloClient3({ link: new HttpLink3({ uri: t.url, fetch: recordingFetch }), cache: new InMemoryCache3() });

  test("keeps a partial result at 294 under errorPolicy 'all': the data and the error's code", async () => {
    const res = await client().query({ query: gql3(PARTIAL), errorPolicy: "all" });
    expect(seen.at(-1)).toBe(294);
    expect(res.data).toEqual({ ok: { __typename: "StatusCode", code: 200 }, missing: null });
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(["NOT_FOUND"]);
  });

  test("reports a validation failure at 422 as a ServerError whose result holds the GraphQL errors", async () => {
    const error = await client()
      .query({ query: gql3(INVALID) })
      .catch((e: unknown) => e);
    expect(seen.at(-1)).toBe(422);
    expect(error).toBeInstanceOf(ApolloError);
    const network = (error as ApolloError).networkError as { statusCode?: number; result?: { errors?: { extensions: { code: string } }[] } };
    expect(network.statusCode).toBe(422);
    expect(network.result?.errors?.[0]?.extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});

describe("Apollo Client 4", () => {
  const client = () => new ApolloClient({ link: new HttpLink({ uri: t.url, fetch: recordingFetch }), cache: new InMemoryCache() });

  test("keeps a partial result at 294 under errorPolicy 'all'", async () => {
    const res = await client().query({ query: gql(PARTIAL), errorPolicy: "all" });
    expect(seen.at(-1)).toBe(294);
    expect(res.data).toEqual({ ok: { __typename: "StatusCode", code: 200 }, missing: null });
    expect(CombinedGraphQLErrors.is(res.error) && res.error.errors.map((e) => e.extensions?.code)).toEqual(["NOT_FOUND"]);
  });

  test("reads a validation failure at 422 as GraphQL errors: the body says it is a GraphQL response", async () => {
    const error = await client()
      .query({ query: gql(INVALID) })
      .catch((e: unknown) => e);
    expect(seen.at(-1)).toBe(422);
    expect(ServerError.is(error)).toBe(false);
    expect(CombinedGraphQLErrors.is(error) && error.errors.map((e) => e.extensions?.code)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
  });
});

describe("graphql-request", () => {
  test("returns a partial result at 294 with errorPolicy 'all'", async () => {
    const client = new GraphQLClient(t.url, { errorPolicy: "all", fetch: recordingFetch });
    const res = await client.rawRequest<{ ok: { code: number } | null; missing: null }>(PARTIAL);
    expect(seen.at(-1)).toBe(294);
    expect(res.data).toEqual({ ok: { code: 200 }, missing: null });
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(["NOT_FOUND"]);
  });

  test("throws a ClientError at 422 that carries the status and the error's code", async () => {
    const client = new GraphQLClient(t.url, { fetch: recordingFetch });
    const error = await client.request(INVALID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    const { response } = error as ClientError;
    expect(response.status).toBe(422);
    expect(response.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});

describe("GraphiQL's fetcher (the playground's)", () => {
  const fetcher = createGraphiQLFetcher({ url: "", fetch: (_url, init) => recordingFetch(t.url, init) });
  type Result = { data?: unknown; errors?: { extensions: { code: string } }[] };
  // With incremental delivery on (GraphiQL's default, and the playground's) it yields results.
  const first = async (query: string): Promise<Result> => {
    const result = (await fetcher({ query, operationName: null })) as Result | AsyncIterable<Result>;
    if (!(Symbol.asyncIterator in (result as object))) return result as Result;
    for await (const value of result as AsyncIterable<Result>) return value;
    throw new Error("the fetcher yielded nothing");
  };

  test("shows a partial result at 294 with its error", async () => {
    const result = await first(PARTIAL);
    expect(seen.at(-1)).toBe(294);
    expect(result.data).toEqual({ ok: { code: 200 }, missing: null });
    expect(result.errors?.map((e) => e.extensions.code)).toEqual(["NOT_FOUND"]);
  });

  test("shows a validation failure at 422 as its errors, not as a failed fetch", async () => {
    const result = await first(INVALID);
    expect(seen.at(-1)).toBe(422);
    expect(result.errors?.map((e) => e.extensions.code)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
  });
});
