import { startTestApp, type TestApp } from "./support/harness";

let t: TestApp;
beforeAll(async () => (t = await startTestApp()));
afterAll(() => t.stop());

const PAGE = `totalCount edges { cursor node { code reasonPhrase } }
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`;

type Page = {
  totalCount: number;
  edges: { cursor: string; node: { code: number; reasonPhrase: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
};

async function page(args: string, vars: Record<string, unknown> = {}): Promise<Page> {
  const res = await t.gql<any>(
    `query($after: String, $before: String) { statusCodes(${args}, after: $after, before: $before) { ${PAGE} } }`,
    vars,
  );
  expect(res.errors).toBeUndefined();
  return res.data.statusCodes;
}

async function allCodes(): Promise<number[]> {
  const res = await t.gql<any>(`{ statusCodes(first: 100) { nodes { code } } }`);
  return res.data.statusCodes.nodes.map((n: any) => n.code);
}

describe("When a client pages forward with first/after", () => {
  test("then it sees every entry once, in code order, and the page flags are right", async () => {
    const seen: number[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const p: Page = await page("first: 10", { after });
      seen.push(...p.edges.map((e) => e.node.code));
      expect(p.pageInfo.hasPreviousPage).toBe(pages > 0);
      expect(p.pageInfo.startCursor).toBe(p.edges[0]?.cursor ?? null);
      pages += 1;
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    const codes = await allCodes();
    expect(seen).toEqual(codes);
    expect(pages).toBe(Math.ceil(codes.length / 10));
  });

  test("then a cursor stays valid when entries are added before it (keyset, not offset)", async () => {
    const first = await page("first: 5");
    const cursor = first.pageInfo.endCursor;
    const expected = await page("first: 5", { after: cursor });
    // Insert an entry that sorts before the cursor: an offset-based page would shift by one.
    await t.app.connection.collection("status_codes").insertOne({ ...(await sampleDoc()), code: 150, reasonPhrase: "Inserted" });
    try {
      const again = await page("first: 5", { after: cursor });
      expect(again.edges.map((e) => e.node.code)).toEqual(expected.edges.map((e) => e.node.code));
    } finally {
      await t.app.connection.collection("status_codes").deleteOne({ code: 150 });
    }
  });
});

describe("When a client pages backward with last/before", () => {
  test("then it walks the catalogue from the end and meets the same entries", async () => {
    const seen: number[] = [];
    let before: string | null = null;
    for (;;) {
      const p: Page = await page("last: 7", { before });
      seen.unshift(...p.edges.map((e) => e.node.code));
      expect(p.pageInfo.hasNextPage).toBe(before !== null);
      if (!p.pageInfo.hasPreviousPage) break;
      before = p.pageInfo.startCursor;
    }
    expect(seen).toEqual(await allCodes());
  });
});

describe("When a client orders by reason phrase", () => {
  test("then descending pages follow the phrase order with the code as tie-breaker", async () => {
    const one = await page("first: 100, orderBy: { field: REASON_PHRASE, direction: DESC }");
    const phrases = one.edges.map((e) => e.node.reasonPhrase);
    expect(phrases).toEqual([...phrases].sort().reverse());
    // Two "(Unused)" entries (306, 418) share a phrase: DESC puts the higher code first.
    const unused = one.edges.filter((e) => e.node.reasonPhrase === "(Unused)").map((e) => e.node.code);
    expect(unused).toEqual([418, 306]);

    const p1 = await page("first: 30, orderBy: { field: REASON_PHRASE, direction: DESC }");
    const p2 = await page("first: 100, orderBy: { field: REASON_PHRASE, direction: DESC }", { after: p1.pageInfo.endCursor });
    expect([...p1.edges, ...p2.edges].map((e) => e.node.code)).toEqual(one.edges.map((e) => e.node.code));
  });

  test("then a cursor from the code order is refused with BAD_USER_INPUT", async () => {
    const p = await page("first: 2");
    const res = await t.gql(`query($a: String) { statusCodes(first: 2, after: $a, orderBy: { field: REASON_PHRASE }) { totalCount } }`, {
      a: p.pageInfo.endCursor,
    });
    expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", httpStatus: 422 });
  });
});

describe("When a client asks for a bad page", () => {
  test.each([
    ["a page over the maximum", "first: 101"],
    ["a negative page", "last: -1"],
    ["both first and last", "first: 2, last: 2"],
    ["a forged cursor", 'first: 2, after: "bm90LWEtY3Vyc29y"'],
  ])("then %s gives BAD_USER_INPUT (422) and data null, a 294 Partial Success", async (_name, args) => {
    const res = await t.gql(`{ statusCodes(${args}) { totalCount } }`);
    // A field error (the resolver refused the arguments): executed, with data null and errors, so 294.
    expect(res.status).toBe(294);
    expect(res.data).toBeNull();
    expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", httpStatus: 422 });
  });

  test("then first: 0 returns no edges but says more exist", async () => {
    const p = await page("first: 0");
    expect(p.edges).toEqual([]);
    expect(p.pageInfo.hasNextPage).toBe(true);
  });
});

async function sampleDoc() {
  const { _id, ...doc } = (await t.app.connection.collection("status_codes").findOne({ code: 200 }))!;
  return doc;
}
