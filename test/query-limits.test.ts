import { getIntrospectionQuery } from "graphql";
import { postJson, startTestApp, type TestApp } from "./support/harness";

let t: TestApp;
beforeAll(async () => (t = await startTestApp({ MAX_QUERY_DEPTH: "6" })));
afterAll(() => t.stop());

/** statusCodes > nodes > related × n > code: n + 3 fields deep. */
const nested = (relatedLevels: number, first = 100) => {
  let inner = "code";
  for (let i = 0; i < relatedLevels; i += 1) inner = `code related { ${inner} }`;
  return `{ statusCodes(first: ${first}) { nodes { ${inner} } } }`;
};

describe("When an operation nests deeper than MAX_QUERY_DEPTH", () => {
  test("then it is refused before execution with QUERY_TOO_DEEP", async () => {
    const res = await postJson(t.url, { query: nested(4) }, { accept: "application/graphql-response+json" });
    expect(res.status).toBe(422);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors[0]).toMatchObject({
      message: "The operation nests 7 fields deep; the maximum is 6",
      extensions: { code: "QUERY_TOO_DEEP", httpStatus: 422, depth: 7, maxDepth: 6 },
    });
  });

  test("then depth hidden in fragments counts too", async () => {
    const query = `query { statusCodes(first: 1) { ...Page } }
      fragment Page on StatusCodeConnection { nodes { ... on StatusCode { related { ...Rel } } } }
      fragment Rel on StatusCode { related { related { related { code } } } }`;
    const res = await postJson(t.url, { query });
    expect(res.body.errors[0].extensions.code).toBe("QUERY_TOO_DEEP");
  });

  test("then an operation at the limit runs (on a page small enough for the cost limit)", async () => {
    const res = await postJson(t.url, { query: nested(3, 5) });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.statusCodes.nodes).toHaveLength(5);
  });

  test("then the full introspection query of codegen tools is not limited", async () => {
    const res = await postJson(t.url, { query: getIntrospectionQuery() });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.__schema.queryType.name).toBe("Query");
  });
});
