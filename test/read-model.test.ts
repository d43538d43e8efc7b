import { createHash } from "node:crypto";
import { apiKeyModel } from "../src/auth/api-key.model";
import { ApiKeyService } from "../src/auth/api-key.service";
import { clientWithKey, createKey, startTestApp, type TestApp } from "./support/harness";

/**
 * The in-memory read model (issue "Reads at memory speed"): coherent across processes on one
 * database, and HTTP caching that answers before GraphQL runs.
 */
let a: TestApp;
let b: TestApp;
beforeAll(async () => {
  a = await startTestApp();
  b = await startTestApp({ MONGODB_URI: a.uri });
});
afterAll(async () => {
  await b.app.stop();
  await a.stop();
});

const since = (start: number) => Date.now() - start;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` is true; returns how long it took, or Infinity after 5 s. */
async function within(check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (since(start) < 15_000) {
    if (await check()) return since(start);
    await sleep(20);
  }
  return Infinity;
}

/** Database commands a request causes, without the background work every process does. */
function commandsDuring(t: TestApp) {
  const seen: string[] = [];
  const background = new Set(["ping", "readiness_probe", "catalogue_state"]);
  const listener = (e: { commandName: string; command: Record<string, unknown> }) => {
    const target = String(e.command[e.commandName] ?? e.commandName);
    if (!background.has(e.commandName) && !background.has(target)) seen.push(`${e.commandName} ${target}`);
  };
  const client = t.app.connection.getClient();
  client.on("commandStarted", listener);
  return { seen, stop: () => client.off("commandStarted", listener) };
}

const getUrl = (t: TestApp, query: string) => `${t.url}?query=${encodeURIComponent(query)}`;
const remaining = (res: Response) => Number(res.headers.get("x-ratelimit-remaining"));

describe("When an entry is written through one API process", () => {
  test("then that process serves it at once, and another process on the same database without a restart, with the same ETag", async () => {
    const { key } = await createKey(a, "admin", "Ada");
    const admin = clientWithKey(a, key);
    const read = `{ statusCode(code: 418) { version description } }`;
    const before = (await b.gql<any>(read)).data.statusCode;

    const written = await admin(`mutation { updateStatusCode(code: 418, expectedVersion: ${before.version}, patch: { description: "Brewed elsewhere." }) { version } }`);
    expect(written.errors).toBeUndefined();
    expect((await a.gql<any>(read)).data.statusCode).toEqual({ version: before.version + 1, description: "Brewed elsewhere." });

    const seen = await within(async () => (await b.gql<any>(read)).data.statusCode.version === before.version + 1);
    expect(seen).not.toBe(Infinity);
    expect((await b.gql<any>(read)).data.statusCode.description).toBe("Brewed elsewhere.");

    // Same catalogue, same ETag: a client's revalidation works whichever process it reaches.
    const [ea, eb] = await Promise.all([a, b].map(async (t) => (await fetch(getUrl(t, read))).headers.get("etag")));
    expect(ea).toBeTruthy();
    expect(ea).toBe(eb);
  });

  test("then a lost race against the other process names the true version at once", async () => {
    const { key } = await createKey(a, "admin", "Ada");
    const [onA, onB] = [clientWithKey(a, key), clientWithKey(b, key)];
    const v = (await a.gql<any>(`{ statusCode(code: 451) { version } }`)).data.statusCode.version;
    const patch = (text: string) => `mutation { updateStatusCode(code: 451, expectedVersion: ${v}, patch: { description: "${text}" }) { version } }`;
    expect((await onA(patch("From A."))).data.updateStatusCode.version).toBe(v + 1);
    // B's model may not have polled yet: the write must still be refused with the truth.
    const lost = await onB(patch("From B."));
    expect(lost.errors?.[0].extensions).toMatchObject({ code: "PRECONDITION_FAILED", currentVersion: v + 1 });
  });
});

describe("When an API key is revoked", () => {
  test("then every process refuses it, though lookups are cached", async () => {
    const { id, key } = await createKey(a, "editor", "Rex");
    const headers = { authorization: `Bearer ${key}` };
    const ask = (t: TestApp) => fetch(getUrl(t, "{ errorCodes { code } }"), { headers }).then((r) => r.status);
    expect([await ask(a), await ask(b)]).toEqual([200, 200]);

    expect(await new ApiKeyService(apiKeyModel(a.app.connection)).revoke(id)).toBe(true);
    const refused = await Promise.all([within(async () => (await ask(a)) === 401), within(async () => (await ask(b)) === 401)]);
    expect(refused).not.toContain(Infinity);
  });
});

describe("When a GET query is repeated", () => {
  const query = `{ statusCode(code: 404) { code reasonPhrase related { code } } }`;

  test("then If-None-Match gets its 304 without a database command and without running GraphQL", async () => {
    const first = await fetch(getUrl(a, query));
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag")!;
    // Running the operation spends its cost from the budget on top of the request's 1 unit.
    const again = await fetch(getUrl(a, `{ statusCode(code: 404) { code reasonPhrase related { code description } } }`));
    const executedCost = remaining(first) - remaining(again) - 1;
    expect(executedCost).toBeGreaterThan(0);

    const watch = commandsDuring(a);
    const before = await fetch(getUrl(a, "{ errorCodes { code } }"), { headers: { "if-none-match": '"not-this-one"' } });
    const revalidated = await fetch(getUrl(a, query), { headers: { "if-none-match": etag } });
    watch.stop();
    expect(revalidated.status).toBe(304);
    expect(await revalidated.text()).toBe("");
    expect(revalidated.headers.get("etag")).toBe(etag);
    // 1 unit: the request arrived; no operation cost was spent, so none was resolved.
    expect(remaining(before) - remaining(revalidated)).toBe(1);
    expect(watch.seen).toEqual([]);
  });

  test("then the same GET, and the same persisted query, are answered from the response cache", async () => {
    const readyz = async () => ((await (await fetch(a.url.replace("/graphql", "/readyz"))).json()) as any).catalogue.responseCache;
    const url = getUrl(a, query);
    const first = await (await fetch(url)).text();
    const hitsBefore = (await readyz()).hits;
    const second = await fetch(url);
    expect(await second.text()).toBe(first);
    expect((await readyz()).hits).toBe(hitsBefore + 1);

    const sha256Hash = createHash("sha256").update(query).digest("hex");
    const persisted = { extensions: { persistedQuery: { version: 1, sha256Hash } } };
    const post = (body: object) => fetch(a.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await (await post({ query, ...persisted })).json())).toEqual(JSON.parse(first));
    const hits = (await readyz()).hits;
    expect(await (await post(persisted)).text()).toBe(first);
    expect((await readyz()).hits).toBe(hits + 1);
    // A hash sent with another query is Apollo's to refuse, not a key to this answer.
    const mismatched: any = await (await post({ query: "{ errorCodes { code } }", ...persisted })).json();
    expect(mismatched.errors?.[0]).toMatchObject({ message: "provided sha does not match query", extensions: { code: "BAD_REQUEST", httpStatus: 400 } });
  });

  test("then an editor's response is never served to an anonymous caller, nor the other way round", async () => {
    const { key } = await createKey(a, "editor", "Eve");
    const editor = clientWithKey(a, key);
    await editor(`mutation { createStatusCode(input: { code: 471, reasonPhrase: "Eve's", description: "By Eve.", specification: { document: "x", url: "https://example.com" } }) { version } }`);
    const url = getUrl(a, `{ statusCode(code: 471) { updatedBy history { edges { node { by } } } } }`);
    const asEditor = async () => (await (await fetch(url, { headers: { authorization: `Bearer ${key}` } })).json()) as any;
    const asAnonymous = async () => (await (await fetch(url)).json()) as any;

    expect((await asEditor()).data.statusCode.updatedBy).toBe("Eve");
    expect((await asAnonymous()).data.statusCode).toEqual({ updatedBy: null, history: { edges: [{ node: { by: null } }] } });
    expect((await asEditor()).data.statusCode.history.edges[0].node.by).toBe("Eve");
  });

  test("then a write invalidates it: the next GET runs again and shows the write", async () => {
    const { key } = await createKey(a, "admin", "Ada");
    const read = `{ statusCode(code: 409) { version description } }`;
    const before = await (await fetch(getUrl(a, read))).json() as any;
    const etag = (await fetch(getUrl(a, read))).headers.get("etag")!;
    await clientWithKey(a, key)(`mutation { updateStatusCode(code: 409, expectedVersion: ${before.data.statusCode.version}, patch: { description: "Changed." }) { version } }`);
    const after = await fetch(getUrl(a, read), { headers: { "if-none-match": etag } });
    expect(after.status).toBe(200);
    expect(((await after.json()) as any).data.statusCode).toEqual({ version: before.data.statusCode.version + 1, description: "Changed." });
  });
});

describe("When the database is replaced underneath a running API", () => {
  test("then the model follows it: emptied, then restored from a dump", async () => {
    const t = await startTestApp();
    try {
      const db = t.app.connection.db!;
      const dump: Record<string, any[]> = Object.fromEntries(
        await Promise.all(["status_codes", "status_code_revisions", "catalogue_state"].map(async (c) => [c, await db.collection(c).find().toArray()])),
      );
      const read = async () => (await t.gql<any>(`{ statusCode(code: 404) { reasonPhrase } }`)).errors?.[0]?.extensions.code ?? "OK";
      expect(await read()).toBe("OK");

      await t.app.connection.dropDatabase();
      expect(await within(async () => (await read()) === "NOT_FOUND")).not.toBe(Infinity);

      for (const [name, docs] of Object.entries(dump)) if (docs.length) await db.collection(name).insertMany(docs);
      expect(await within(async () => (await read()) === "OK")).not.toBe(Infinity);
      expect((await t.gql<any>(`{ statusCodes { totalCount } }`)).data.statusCodes.totalCount).toBe(dump.status_codes.length);
    } finally {
      await t.stop();
    }
  });
});
