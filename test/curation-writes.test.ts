import { clientWithKey, createKey, startTestApp, type TestApp } from "./support/harness";

let t: TestApp;
let editor: ReturnType<typeof clientWithKey>;
beforeAll(async () => {
  t = await startTestApp();
  editor = clientWithKey(t, (await createKey(t, "editor", "Eve")).key);
});
afterAll(() => t.stop());

const ENTRY = "code reasonPhrase description version source registryStatus updatedBy formerNames relatedCodes: related { code }";
const spec = `specification: { document: "nginx docs", url: "https://nginx.org/en/docs/" }`;
const create = (code: number, extra = "") =>
  editor(`mutation { createStatusCode(input: { code: ${code}, reasonPhrase: "Client Closed Request", description: "The client closed the connection.", ${spec} ${extra} }) { ${ENTRY} } }`);
const revisionsOf = (code: number) => t.app.connection.collection("status_code_revisions").countDocuments({ code });

describe("When an editor creates an entry", () => {
  test("then it is stored as a custom, unregistered version 1 by that editor", async () => {
    const res = await create(478, "relatedCodes: [408]");
    expect(res.errors).toBeUndefined();
    expect(res.data.createStatusCode).toMatchObject({
      code: 478,
      version: 1,
      source: "CUSTOM",
      registryStatus: "UNREGISTERED",
      updatedBy: "Eve",
      relatedCodes: [{ code: 408 }],
    });
    expect((await t.gql<any>(`{ statusCode(code: 478) { reasonPhrase class } }`)).data.statusCode).toEqual({
      reasonPhrase: "Client Closed Request",
      class: "CLIENT_ERROR",
    });
  });

  test("then creating an existing code gives CONFLICT (409)", async () => {
    const res = await create(404);
    expect(res.errors?.[0].extensions).toMatchObject({ code: "CONFLICT", httpStatus: 409 });
  });

  test("then of two concurrent creates of one code exactly one wins", async () => {
    const results = await Promise.all([create(582), create(582), create(582)]);
    const codes = results.map((r) => (r.errors ? r.errors[0].extensions.code : "CREATED")).sort();
    expect(codes).toEqual(["CONFLICT", "CONFLICT", "CREATED"]);
    expect(await t.app.connection.collection("status_codes").countDocuments({ code: 582 })).toBe(1);
    expect(await revisionsOf(582)).toBe(1);
  });

  test("then bad input gives VALIDATION_FAILED (422) per field, without echoing the values", async () => {
    const res = await editor(`mutation { createStatusCode(input: {
      code: 583, reasonPhrase: "   ", description: "${"SECRETISH".repeat(250)}",
      specification: { document: "x", url: "javascript:SECRETISH" },
      relatedCodes: [598, 583], typicalHeaders: ["Bad Header"] }) { code } }`);
    const [error] = res.errors!;
    expect(error.extensions).toMatchObject({ code: "VALIDATION_FAILED", httpStatus: 422 });
    expect(error.extensions.fieldErrors).toEqual(
      expect.arrayContaining([
        { field: "reasonPhrase", constraint: "notEmpty" },
        { field: "description", constraint: "maxLength" },
        { field: "specification.url", constraint: "url" },
        { field: "typicalHeaders.0", constraint: "headerName" },
        { field: "relatedCodes.0", constraint: "exists" },
        { field: "relatedCodes.1", constraint: "notSelf" },
      ]),
    );
    expect(JSON.stringify(res)).not.toContain("SECRETISH");
    expect(await t.app.connection.collection("status_codes").countDocuments({ code: 583 })).toBe(0);
  });
});

describe("When an editor updates an entry", () => {
  beforeAll(() => create(470));
  const update = (args: string, patch = `{ description: "Changed." }`) =>
    editor(`mutation { updateStatusCode(${args}, patch: ${patch}) { version description updatedBy } }`);

  test("then without expectedVersion it is PRECONDITION_REQUIRED (428)", async () => {
    expect((await update("code: 470")).errors?.[0].extensions).toMatchObject({ code: "PRECONDITION_REQUIRED", httpStatus: 428 });
  });

  test("then with the current version it succeeds, and with a stale one PRECONDITION_FAILED (412) tells the current version", async () => {
    expect((await update("code: 470, expectedVersion: 1")).data.updateStatusCode).toEqual({ version: 2, description: "Changed.", updatedBy: "Eve" });
    const stale = await update("code: 470, expectedVersion: 1");
    expect(stale.errors?.[0].extensions).toMatchObject({ code: "PRECONDITION_FAILED", httpStatus: 412, currentVersion: 2 });
  });

  test("then concurrent updates from one version: exactly one wins", async () => {
    const results = await Promise.all([1, 2, 3].map((i) => update("code: 470, expectedVersion: 2", `{ description: "Race ${i}" }`)));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors?.[0].extensions.code === "PRECONDITION_FAILED")).toHaveLength(2);
    expect(await revisionsOf(470)).toBe(3);
  });

  test("then a patch that changes nothing writes no new version", async () => {
    // Surrounding spaces are trimmed as on create, so this is the same phrase.
    const same = await update("code: 470, expectedVersion: 3", `{ reasonPhrase: "  Client Closed Request " }`);
    expect(same.data.updateStatusCode.version).toBe(3);
    expect(await revisionsOf(470)).toBe(3);
  });

  test("then an unknown code is NOT_FOUND (404) and bad patch values VALIDATION_FAILED (422)", async () => {
    expect((await update("code: 597, expectedVersion: 1")).errors?.[0].extensions).toMatchObject({ code: "NOT_FOUND", httpStatus: 404 });
    const bad = await update("code: 470, expectedVersion: 3", `{ reasonPhrase: "" }`);
    expect(bad.errors?.[0].extensions).toMatchObject({ code: "VALIDATION_FAILED", fieldErrors: [{ field: "reasonPhrase", constraint: "notEmpty" }] });
  });
});

describe("When an entry is retired and restored", () => {
  test("then it answers GONE (410) with when and why, leaves listings, and comes back as a new version", async () => {
    await create(471);
    const retired = await editor(`mutation { retireStatusCode(code: 471, expectedVersion: 1, reason: "Merged into 470") { version retired { reason by at } } }`);
    expect(retired.data.retireStatusCode).toMatchObject({ version: 2, retired: { reason: "Merged into 470", by: "Eve" } });

    const gone = await t.gql(`{ statusCode(code: 471) { code } }`);
    expect(gone.errors?.[0].extensions).toMatchObject({ code: "GONE", httpStatus: 410, reason: "Merged into 470", retiredAt: expect.any(String) });
    const listed = async (filter: string) =>
      (await t.gql<any>(`{ statusCodes(first: 100, filter: ${filter}) { nodes { code } } }`)).data.statusCodes.nodes.map((n: any) => n.code);
    expect(await listed("{ codeRange: { from: 471, to: 471 } }")).toEqual([]);
    expect(await listed("{ codeRange: { from: 471, to: 471 }, includeRetired: true }")).toEqual([471]);

    const update = await editor(`mutation { updateStatusCode(code: 471, expectedVersion: 2, patch: {}) { code } }`);
    expect(update.errors?.[0].extensions).toMatchObject({ code: "GONE", httpStatus: 410 });

    const restored = await editor(`mutation { restoreStatusCode(code: 471) { version retired { reason } } }`);
    expect(restored.data.restoreStatusCode).toEqual({ version: 3, retired: null });
    expect((await t.gql<any>(`{ statusCode(code: 471) { code } }`)).data.statusCode).toEqual({ code: 471 });
  });

  test("then rolling back to version 1 after three edits restores its content as version 5, and history shows all", async () => {
    const v1 = (await create(472, `formerNames: ["Original"]`)).data.createStatusCode;
    for (const [i, patch] of [`{ description: "Edit one." }`, `{ formerNames: [] }`, `{ reasonPhrase: "Renamed", popularity: POPULAR }`].entries()) {
      const res = await editor(`mutation { updateStatusCode(code: 472, expectedVersion: ${i + 1}, patch: ${patch}) { version } }`);
      expect(res.data.updateStatusCode.version).toBe(i + 2);
    }
    const back = await editor(`mutation { restoreStatusCode(code: 472, toVersion: 1) { ${ENTRY} popularity } }`);
    const { version, ...content } = back.data.restoreStatusCode;
    const { version: _v, ...original } = v1;
    expect(version).toBe(5);
    expect(content).toEqual({ ...original, popularity: "OTHER" });

    const history = await t.gql<any>(`{ statusCode(code: 472) { history(first: 3) { edges { cursor node { version action by changes { field from to } } } pageInfo { hasNextPage endCursor } } } }`);
    const page = history.data.statusCode.history;
    expect(page.edges.map((e: any) => [e.node.version, e.node.action])).toEqual([[5, "RESTORE"], [4, "UPDATE"], [3, "UPDATE"]]);
    expect(page.edges[2].node.changes).toEqual([{ field: "formerNames", from: ["Original"], to: [] }]);
    const rest = await t.gql<any>(`query($a: String) { statusCode(code: 472) { history(after: $a) { edges { node { version action } } pageInfo { hasNextPage } } } }`, { a: page.pageInfo.endCursor });
    expect(rest.data.statusCode.history.edges.map((e: any) => [e.node.version, e.node.action])).toEqual([[2, "UPDATE"], [1, "CREATE"]]);

    const tooNew = await editor(`mutation { restoreStatusCode(code: 472, toVersion: 9) { version } }`);
    expect(tooNew.errors?.[0].extensions).toMatchObject({ code: "VALIDATION_FAILED", fieldErrors: [{ field: "toVersion", constraint: "earlierVersion" }] });
  });

  test("then a seeded entry can be rolled back to its seeded version by an admin", async () => {
    const admin = clientWithKey(t, (await createKey(t, "admin")).key);
    await admin(`mutation { updateStatusCode(code: 505, expectedVersion: 1, patch: { description: "Edited." }) { version } }`);
    const back = await admin(`mutation { restoreStatusCode(code: 505, toVersion: 1) { version description } }`);
    expect(back.data.restoreStatusCode.version).toBe(3);
    expect(back.data.restoreStatusCode.description).toMatch(/HTTP major version/);
  });
});

describe("When curators import many entries", () => {
  const entries = `[
    { code: 480, reasonPhrase: "Login Time-out", description: "IIS: the session expired.", ${spec} },
    { code: 404, reasonPhrase: "Not Found again", description: "Duplicate.", ${spec} },
    { code: 481, reasonPhrase: "", description: "Invalid.", ${spec} },
    { code: 484, reasonPhrase: "No Response", description: "nginx closed the connection.", ${spec} }
  ]`;
  const run = (key: string, list = entries) =>
    editor(`mutation { importStatusCodes(idempotencyKey: "${key}", entries: ${list}) {
      idempotencyKey replayed created results { index code status errorCode fieldErrors { field constraint } entry { code version } } } }`);

  test("then each entry gets its own status, and a replay returns the first result without writing", async () => {
    const first = await run("batch-1");
    expect(first.errors).toBeUndefined();
    const result = first.data.importStatusCodes;
    expect(result).toMatchObject({ idempotencyKey: "batch-1", replayed: false, created: 2 });
    expect(result.results.map((r: any) => [r.code, r.status, r.errorCode])).toEqual([
      [480, 201, null],
      [404, 409, "CONFLICT"],
      [481, 422, "VALIDATION_FAILED"],
      [484, 201, null],
    ]);
    expect(result.results[2].fieldErrors).toEqual([{ field: "reasonPhrase", constraint: "notEmpty" }]);
    expect(result.results[0].entry).toEqual({ code: 480, version: 1 });

    const before = await t.app.connection.collection("status_code_revisions").countDocuments();
    const replay = await run("batch-1");
    expect(replay.data.importStatusCodes).toEqual({ ...result, replayed: true });
    expect(await t.app.connection.collection("status_code_revisions").countDocuments()).toBe(before);
  });

  test("then a retry after an attempt that died before storing its result reports what it created as created", async () => {
    const first = await run("batch-3", `[{ code: 446, reasonPhrase: "A", description: "A.", ${spec} }, { code: 447, reasonPhrase: "B", description: "B.", ${spec} }]`);
    expect(first.data.importStatusCodes.created).toBe(2);
    // What a crash after the entries, before the stored result, leaves: the key's record still pending.
    await t.app.connection.collection("import_requests").updateOne({ result: { $ne: null }, "result.idempotencyKey": "batch-3" }, { $set: { state: "pending", result: null } });
    const retry = await run("batch-3", `[{ code: 446, reasonPhrase: "A", description: "A.", ${spec} }, { code: 447, reasonPhrase: "B", description: "B.", ${spec} }]`);
    expect(retry.errors).toBeUndefined();
    expect(retry.data.importStatusCodes).toMatchObject({ replayed: false, created: 2 });
    expect(retry.data.importStatusCodes.results.map((r: any) => [r.code, r.status, r.entry.version])).toEqual([[446, 201, 1], [447, 201, 1]]);
    // And that is the stored result replays get.
    expect((await run("batch-3", `[{ code: 446, reasonPhrase: "A", description: "A.", ${spec} }, { code: 447, reasonPhrase: "B", description: "B.", ${spec} }]`)).data.importStatusCodes.created).toBe(2);
  });

  test("then reusing a key for a different batch is a CONFLICT", async () => {
    await run("batch-2");
    const other = await run("batch-2", `[{ code: 445, reasonPhrase: "X", description: "Y.", ${spec} }]`);
    expect(other.errors?.[0].extensions).toMatchObject({ code: "CONFLICT", httpStatus: 409 });
  });

  test("then an import without a key is UNAUTHENTICATED", async () => {
    const res = await t.gql(`mutation { importStatusCodes(idempotencyKey: "k", entries: []) { created } }`);
    expect(res.errors?.[0].extensions.code).toBe("UNAUTHENTICATED");
  });
});

describe("When curators write vendor uses, a specification history and an example", () => {
  const use = (reference: string) => `{ origin: "Acme CDN", reasonPhrase: "Origin Asleep", description: "The origin did not wake up in time.", reference: "${reference}" }`;

  test("then a new entry keeps them, and gets a history and an example that agree with it by default", async () => {
    const res = await editor(`mutation { createStatusCode(input: { code: 590, reasonPhrase: "Origin Asleep", description: "Acme's origin timeout.", ${spec},
      unofficialUses: [${use("https://acme.example/docs/590")}], bodyAllowed: false, typicalHeaders: ["Retry-After"] }) {
      specification { document } specificationHistory { document section url } unofficialUses { origin reference } example } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.createStatusCode).toEqual({
      specification: { document: "nginx docs" },
      specificationHistory: [{ document: "nginx docs", section: null, url: "https://nginx.org/en/docs/" }],
      unofficialUses: [{ origin: "Acme CDN", reference: "https://acme.example/docs/590" }],
      example: "HTTP/1.1 590 Origin Asleep\nRetry-After: 120",
    });
  });

  test("then a reference that is not https, a history that does not end with the specification, or a disagreeing example is refused", async () => {
    const bad = await editor(`mutation { createStatusCode(input: { code: 591, reasonPhrase: "X", description: "Y.", ${spec}, unofficialUses: [${use("http://acme.example/")}] }) { code } }`);
    expect(bad.errors?.[0].extensions).toMatchObject({ code: "VALIDATION_FAILED", fieldErrors: [{ field: "unofficialUses.0.reference", constraint: "httpsUrl" }] });
    const history = await editor(`mutation { createStatusCode(input: { code: 591, reasonPhrase: "X", description: "Y.", ${spec},
      specificationHistory: [{ document: "Acme docs", url: "https://acme.example/" }] }) { code } }`);
    expect(history.errors?.[0].extensions).toMatchObject({ fieldErrors: [{ field: "specificationHistory", constraint: "endsWithSpecification" }] });
    const example = await editor(`mutation { createStatusCode(input: { code: 591, reasonPhrase: "X", description: "Y.", ${spec}, bodyAllowed: false,
      example: "HTTP/1.1 591 X\\n\\nA body" }) { code } }`);
    expect(example.errors?.[0].extensions).toMatchObject({ fieldErrors: [{ field: "example", constraint: "agreesWith.bodyAllowed" }] });
    expect((await t.gql<any>("{ statusCode(code: 591) { code } }")).errors?.[0].extensions.code).toBe("NOT_FOUND");
  });

  test("then a new specification extends the history, a history alone sets the specification, and a patch that breaks the example rebuilds it", async () => {
    const moved = await editor(`mutation { updateStatusCode(code: 590, expectedVersion: 1, patch: {
      specification: { document: "Acme docs", section: "4", url: "https://acme.example/docs#4" }, bodyAllowed: true }) {
      specificationHistory { document } example } }`);
    expect(moved.data.updateStatusCode.specificationHistory).toEqual([{ document: "nginx docs" }, { document: "Acme docs" }]);
    expect(moved.data.updateStatusCode.example).toMatch(/^HTTP\/1\.1 590 Origin Asleep\nRetry-After: 120\nContent-Type: application\/problem\+json\nContent-Length: \d+\n\n\{/);
    const rewritten = await editor(`mutation { updateStatusCode(code: 590, expectedVersion: 2, patch: {
      specificationHistory: [{ document: "Acme docs", url: "https://acme.example/v2" }], example: "HTTP/1.1 590 Origin Asleep\\nRetry-After: 5\\n\\n{}" }) {
      specification { document url } specificationHistory { url } example } }`);
    expect(rewritten.data.updateStatusCode).toEqual({
      specification: { document: "Acme docs", url: "https://acme.example/v2" },
      specificationHistory: [{ url: "https://acme.example/v2" }],
      example: "HTTP/1.1 590 Origin Asleep\nRetry-After: 5\n\n{}",
    });
    const history = await t.gql<any>(`{ statusCode(code: 590) { history(first: 1) { edges { node { changes { field } } } } } }`);
    expect(history.data.statusCode.history.edges[0].node.changes.map((c: any) => c.field)).toEqual(["specification", "specificationHistory", "example"]);
    // Restoring version 1 brings its history and example back with its specification.
    const back = await editor(`mutation { restoreStatusCode(code: 590, toVersion: 1) { specificationHistory { document } example } }`);
    expect(back.data.restoreStatusCode).toEqual({ specificationHistory: [{ document: "nginx docs" }], example: "HTTP/1.1 590 Origin Asleep\nRetry-After: 120" });
    expect((await t.gql<any>("{ statusCode(code: 590) { bodyAllowed } }")).data.statusCode.bodyAllowed).toBe(false);
  });

  test("then a use may have no vendor name but a label, its excerpt is kept by a patch that does not send it, and a bad one is refused", async () => {
    const quoted = `{ origin: "Acme CDN", label: "Origin asleep (our name)", description: "The origin did not wake up in time.", reference: "https://acme.example/docs/592",
      excerpt: { text: "592: the origin did not wake up in time.", readOn: "2026-12-05" } }`;
    const created = await editor(`mutation { createStatusCode(input: { code: 592, reasonPhrase: "Origin Asleep", description: "Acme's origin timeout.", ${spec},
      unofficialUses: [${quoted}] }) { unofficialUses { reasonPhrase label excerpt { text readOn provenance } } } }`);
    expect(created.errors).toBeUndefined();
    expect(created.data.createStatusCode.unofficialUses).toEqual([
      { reasonPhrase: null, label: "Origin asleep (our name)", excerpt: { text: "592: the origin did not wake up in time.", readOn: "2026-12-05", provenance: "Read at https://acme.example/docs/592" } },
    ]);
    // A client that does not know excerpts sends the use back without one: the excerpt stays.
    const patched = await editor(`mutation { updateStatusCode(code: 592, expectedVersion: 1, patch: {
      unofficialUses: [{ origin: "Acme CDN", reasonPhrase: "Origin Asleep", description: "The origin slept through the request.", reference: "https://acme.example/docs/592" }] }) {
      unofficialUses { reasonPhrase label excerpt { text } } } }`);
    expect(patched.data.updateStatusCode.unofficialUses).toEqual([{ reasonPhrase: "Origin Asleep", label: "Origin Asleep", excerpt: { text: "592: the origin did not wake up in time." } }]);
    const bad = await editor(`mutation { createStatusCode(input: { code: 593, reasonPhrase: "X", description: "Y.", ${spec},
      unofficialUses: [{ origin: "Acme CDN", description: "The origin did not wake up in time.", reference: "https://acme.example/", excerpt: { text: " ", readOn: "5 Dec 2026" } }] }) { code } }`);
    expect(bad.errors?.[0].extensions).toMatchObject({
      code: "VALIDATION_FAILED",
      fieldErrors: [
        { field: "unofficialUses.0.label", constraint: "required" },
        { field: "unofficialUses.0.excerpt.text", constraint: "notEmpty" },
        { field: "unofficialUses.0.excerpt.readOn", constraint: "isoDate" },
      ],
    });
  });

  test("then a seeded vendor entry is locked for editors, like the registry's", async () => {
    const res = await editor(`mutation { updateStatusCode(code: 499, expectedVersion: 1, patch: { description: "Mine." }) { version } }`);
    expect(res.errors?.[0].extensions).toMatchObject({ code: "LOCKED" });
  });
});
