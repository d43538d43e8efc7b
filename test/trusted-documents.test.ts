import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config";
import { createKey, postJson, startTestApp, type TestApp } from "./support/harness";

/**
 * Trusted documents over real HTTP: each TRUSTED_DOCUMENTS_POLICY against listed, unlisted and
 * unknown-hash documents, by Apollo's sha256Hash and by documentId, POST and GET.
 */
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const LISTED_QUERY = "query Teapot { statusCode(code: 418) { code } }";
// Without expectedVersion the service answers PRECONDITION_REQUIRED: proof that it ran.
const LISTED_MUTATION = 'mutation Touch { updateStatusCode(code: 418, patch: { description: "Short and stout." }) { version } }';
const UNLISTED_QUERY = "query Other { statusCode(code: 404) { code } }";
const UNLISTED_MUTATION = 'mutation Other { updateStatusCode(code: 404, patch: { description: "Gone fishing." }) { version } }';
const UNKNOWN_HASH = sha256("query Nobody { __typename }");

const dir = mkdtempSync(join(tmpdir(), "trusted-"));
const manifest = join(dir, "persisted-documents.json");
// Both key spellings of the client preset's manifests: "sha256:<hex>" and the bare hex.
writeFileSync(manifest, JSON.stringify({ [`sha256:${sha256(LISTED_QUERY)}`]: LISTED_QUERY, [sha256(LISTED_MUTATION)]: LISTED_MUTATION }));

type Via = "sha256Hash" | "documentId";
const hashParams = (via: Via, hash: string) =>
  via === "documentId" ? { documentId: `sha256:${hash}` } : { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } };

async function send(t: TestApp, method: "POST" | "GET", params: Record<string, unknown>, key?: string) {
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  if (method === "POST") return postJson(t.url, params, headers);
  const search = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  const res = await fetch(`${t.url}?${search}`, { headers });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

const codeOf = (res: { body: { errors?: { extensions: { code: string } }[] } }) => res.body.errors?.[0]?.extensions.code;
const REFUSED = { status: 404, code: "PERSISTED_QUERY_NOT_IN_LIST" };

describe.each(["open", "writes", "strict"] as const)("When the server runs with TRUSTED_DOCUMENTS_POLICY=%s", (policy) => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await startTestApp({ TRUSTED_DOCUMENTS: manifest, TRUSTED_DOCUMENTS_POLICY: policy, LOG_LEVEL: "silent" });
    key = (await createKey(t, "admin")).key; // an editor may not touch registered codes (LOCKED)
  });
  afterAll(() => t.stop());

  describe.each(["POST", "GET"] as const)("and a client sends %s", (method) => {
    test.each(["sha256Hash", "documentId"] as const)("then a listed query sent by %s alone runs, with no registration round trip", async (via) => {
      const res = await send(t, method, hashParams(via, sha256(LISTED_QUERY)));
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 200, body: { data: { statusCode: { code: 418 } } } });
      expect(res.body.errors).toBeUndefined();
    });

    test.each(["sha256Hash", "documentId"] as const)("then an unknown hash sent by %s is refused as the policy says", async (via) => {
      const res = await send(t, method, hashParams(via, UNKNOWN_HASH));
      // documentId has no automatic registration to fall back on: not listed is not found.
      if (via === "documentId" || policy === "strict") expect({ status: res.status, code: codeOf(res) }).toEqual(REFUSED);
      else expect(codeOf(res)).toBe("PERSISTED_QUERY_NOT_FOUND"); // Apollo's APQ: the client resends the document
    });

    test("then an unlisted query sent in full runs unless the policy is strict", async () => {
      const res = await send(t, method, { query: UNLISTED_QUERY });
      if (policy === "strict") expect({ status: res.status, code: codeOf(res) }).toEqual(REFUSED);
      else expect(res.body).toEqual({ data: { statusCode: { code: 404 } }, extensions: { cost: { requestedQueryCost: expect.any(Number) } } });
    });

    test("then a listed query sent in full runs under every policy", async () => {
      const res = await send(t, method, { query: LISTED_QUERY });
      expect(res.body.data).toEqual({ statusCode: { code: 418 } });
    });
  });

  test.each(["sha256Hash", "documentId"] as const)("then a listed mutation sent by %s runs", async (via) => {
    const res = await send(t, "POST", hashParams(via, sha256(LISTED_MUTATION)), key);
    expect(codeOf(res)).toBe("PRECONDITION_REQUIRED"); // the service ran it
  });

  test("then an unlisted mutation sent in full runs only under open", async () => {
    const res = await send(t, "POST", { query: UNLISTED_MUTATION }, key);
    if (policy === "open") expect(codeOf(res)).toBe("PRECONDITION_REQUIRED");
    else expect({ status: res.status, code: codeOf(res) }).toEqual(REFUSED);
  });

  test("then registering an unlisted document as an automatic persisted query works only where it may run", async () => {
    const query = `query Registered${policy} { statusCode(code: 200) { code } }`;
    const registered = await send(t, "POST", { query, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } } });
    const byHash = await send(t, "GET", hashParams("sha256Hash", sha256(query)));
    if (policy === "strict") {
      expect({ status: registered.status, code: codeOf(registered) }).toEqual(REFUSED);
      expect({ status: byHash.status, code: codeOf(byHash) }).toEqual(REFUSED);
    } else {
      expect(registered.body.data).toEqual({ statusCode: { code: 200 } });
      expect(byHash.body.data).toEqual({ statusCode: { code: 200 } });
    }

    // A mutation registered under writes would run later by its hash alone: it is never registered.
    const mutation = 'mutation Sneaky { updateStatusCode(code: 200, patch: { description: "x" }) { version } }';
    const sneaky = await send(t, "POST", { query: mutation, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(mutation) } } }, key);
    const again = await send(t, "POST", hashParams("sha256Hash", sha256(mutation)), key);
    if (policy === "open") {
      expect([codeOf(sneaky), codeOf(again)]).toEqual(["PRECONDITION_REQUIRED", "PRECONDITION_REQUIRED"]);
    } else {
      expect({ status: sneaky.status, code: codeOf(sneaky) }).toEqual(REFUSED);
      expect(codeOf(again)).toBe(policy === "strict" ? "PERSISTED_QUERY_NOT_IN_LIST" : "PERSISTED_QUERY_NOT_FOUND");
    }
  });

  test("then a malformed documentId, or one sent with a query, is a BAD_REQUEST", async () => {
    expect(codeOf(await send(t, "POST", { documentId: "md5:abc" }))).toBe("BAD_REQUEST");
    expect(codeOf(await send(t, "POST", { documentId: `sha256:${sha256(LISTED_QUERY)}`, query: LISTED_QUERY }))).toBe("BAD_REQUEST");
  });
});

describe("When TRUSTED_DOCUMENTS is misconfigured, the start stops and says why", () => {
  const env = (extra: Record<string, string>) => () => loadConfig({ MONGODB_URI: "mongodb://localhost/x", ...extra });

  test("then a path that does not exist is named", () => {
    expect(env({ TRUSTED_DOCUMENTS: `${manifest},${join(dir, "missing.json")}` })).toThrow(/TRUSTED_DOCUMENTS: .*missing\.json: cannot be read as JSON \(no such file\)/);
  });

  test("then a hash that does not match its document is named, with the document's real hash", () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ [`sha256:${sha256("query A { __typename }")}`]: "query B { __typename }" }));
    expect(env({ TRUSTED_DOCUMENTS: bad })).toThrow(new RegExp(`bad\\.json: the document under ${sha256("query A { __typename }")} has sha256 ${sha256("query B { __typename }")}`));
  });

  test("then a policy without manifests, or an unknown policy, is refused", () => {
    expect(env({ TRUSTED_DOCUMENTS_POLICY: "strict" })).toThrow(/TRUSTED_DOCUMENTS_POLICY: needs TRUSTED_DOCUMENTS/);
    expect(env({ TRUSTED_DOCUMENTS: manifest, TRUSTED_DOCUMENTS_POLICY: "lax" })).toThrow(/TRUSTED_DOCUMENTS_POLICY/);
  });

  test("then without TRUSTED_DOCUMENTS nothing is trusted or refused", () => {
    expect(env({})().trustedDocuments).toBeUndefined();
    expect(env({ TRUSTED_DOCUMENTS: manifest })().trustedDocuments).toMatchObject({ policy: "open" });
  });
});
