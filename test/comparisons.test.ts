import { COMPARED_PAIRS } from "../src/catalogue/seed/comparisons";
import { clientWithKey, createKey, startTestApp, type TestApp } from "./support/harness";

let t: TestApp;
let admin: ReturnType<typeof clientWithKey>;
beforeAll(async () => {
  t = await startTestApp();
  admin = clientWithKey(t, (await createKey(t, "admin", "Ada")).key);
});
afterAll(() => t.stop());

const SIDE = "chooseThisWhen chooseOtherWhen other { code } references { document section url }";
const cite = (r: { document: string; section: string | null }) => (r.section ? `${r.document} Section ${r.section}` : r.document);

describe("When a client asks which of two codes to use", () => {
  test("then the pairs people look up answer from both sides, each side citing the section that decides it", async () => {
    const asked: [number, number][] = [[401, 403], [400, 422], [404, 410], [409, 412], [301, 308], [302, 303], [302, 307], [303, 307], [429, 503], [502, 504]];
    expect(COMPARED_PAIRS).toEqual(expect.arrayContaining(asked));
    for (const [a, b] of COMPARED_PAIRS) {
      const res = await t.gql<any>(`{ ab: compareStatusCodes(a: ${a}, b: ${b}) { ${SIDE} } ba: compareStatusCodes(a: ${b}, b: ${a}) { ${SIDE} } }`);
      expect(res.errors).toBeUndefined();
      const { ab, ba } = res.data;
      // The same pair from either side: the texts swap, the references stay.
      expect([a, b, ab.other.code, ba.other.code]).toEqual([a, b, b, a]);
      expect([a, b, ba.chooseThisWhen, ba.chooseOtherWhen]).toEqual([a, b, ab.chooseOtherWhen, ab.chooseThisWhen]);
      expect(ba.references).toEqual(ab.references);
      // Each side cites its own code's current specification section.
      const [mine, theirs] = ab.references;
      const specs = await t.gql<any>(`{ a: statusCode(code: ${a}) { specification { document section url } } b: statusCode(code: ${b}) { specification { document section url } } }`);
      expect([mine, theirs]).toEqual([specs.data.a.specification, specs.data.b.specification]);
      expect([a, ab.chooseThisWhen]).toEqual([a, expect.stringContaining(`(${cite(mine)})`)]);
      expect([b, ab.chooseOtherWhen]).toEqual([b, expect.stringContaining(`(${cite(theirs)})`)]);
    }
  });

  test("then a code lists every comparison it is part of, and an uncompared pair is null", async () => {
    const res = await t.gql<any>(`{ a: statusCode(code: 302) { comparisons { other { code } } } b: statusCode(code: 307) { comparisons { other { code } chooseThisWhen } } none: compareStatusCodes(a: 200, b: 418) { chooseThisWhen } }`);
    expect(res.data.a.comparisons.map((c: any) => c.other.code)).toEqual([303, 307]);
    expect(res.data.b.comparisons.map((c: any) => c.other.code)).toEqual([302, 303, 308]);
    expect(res.data.b.comparisons[0].chooseThisWhen).toContain("RFC 9110 Section 15.4.8");
    expect(res.data.none).toBeNull();
  });
});

describe("When a curator edits a comparison", () => {
  test("then it is a field of the lower code, written with history, and reads anew from both sides", async () => {
    const before = (await t.gql<any>(`{ statusCode(code: 502) { version comparisons { other { code } chooseThisWhen chooseOtherWhen references { document section url } } } }`)).data.statusCode;
    const [pair] = before.comparisons;
    const edited = `{ other: 504, chooseThisWhen: "The upstream answered, badly (RFC 9110 Section 15.6.3).", chooseOtherWhen: "${pair.chooseOtherWhen}",
      references: [${pair.references.map((r: any) => `{ document: "${r.document}", section: "${r.section}", url: "${r.url}" }`).join(", ")}] }`;
    const res = await admin(`mutation { updateStatusCode(code: 502, expectedVersion: ${before.version}, patch: { comparisons: [${edited}] }) { version } }`);
    expect(res.errors).toBeUndefined();
    const fromAbove = await t.gql<any>(`{ compareStatusCodes(a: 504, b: 502) { chooseOtherWhen } }`);
    expect(fromAbove.data.compareStatusCodes.chooseOtherWhen).toBe("The upstream answered, badly (RFC 9110 Section 15.6.3).");
    const history = await t.gql<any>(`{ statusCode(code: 502) { history(first: 1) { edges { node { changes { field } } } } } }`);
    expect(history.data.statusCode.history.edges[0].node.changes.map((c: any) => c.field)).toEqual(["comparisons"]);
    // Stored on the higher code, or with an unknown code, or without a reference: refused, naming the field.
    const bad = await admin(`mutation { updateStatusCode(code: 504, expectedVersion: 1, patch: { comparisons: [
      { other: 502, chooseThisWhen: "x", chooseOtherWhen: "y", references: [] }, { other: 597, chooseThisWhen: "x", chooseOtherWhen: "y", references: [{ document: "RFC 9110", url: "https://www.rfc-editor.org/rfc/rfc9110" }] }] }) { version } }`);
    expect(bad.errors?.[0].extensions).toMatchObject({
      code: "VALIDATION_FAILED",
      fieldErrors: [
        { field: "comparisons.0.references", constraint: "arraySize" },
        { field: "comparisons.0.other", constraint: "higherThanCode" },
        { field: "comparisons.1.other", constraint: "exists" },
      ],
    });
  });
});
