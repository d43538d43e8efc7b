import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "../src/project-root";
import { clientWithKey, createKey, postJson, startTestApp, type TestApp } from "./support/harness";

let t: TestApp;
beforeAll(async () => (t = await startTestApp()));
afterAll(() => t.stop());

const RETIRE = `mutation { retireStatusCode(code: 418, expectedVersion: 1, reason: "x") { code } }`;

describe("When a caller writes without the right key", () => {
  test("then no key gives UNAUTHENTICATED (401) as a field error, in a 294 Partial Success", async () => {
    const res = await t.gql(RETIRE);
    expect(res.status).toBe(294);
    expect(res.errors?.[0].extensions).toMatchObject({ code: "UNAUTHENTICATED", httpStatus: 401 });
  });

  test("then a reader key gives FORBIDDEN (403), while reads still work with it", async () => {
    const { key } = await createKey(t, "reader");
    const asReader = clientWithKey(t, key);
    const res = await asReader(RETIRE);
    expect(res.errors?.[0].extensions).toMatchObject({ code: "FORBIDDEN", httpStatus: 403 });
    expect((await asReader(`{ statusCode(code: 200) { code } }`)).data).toEqual({ statusCode: { code: 200 } });
  });

  test.each([
    ["an unknown key", "Bearer sg_notARealKeyAtAll"],
    ["a malformed header", "Basic dXNlcjpwYXNz"],
  ])("then %s is refused at the request level with 401 and WWW-Authenticate", async (_n, authorization) => {
    const res = await postJson(t.url, { query: "{ errorCodes { code } }" }, { authorization });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="statusgraph", error="invalid_token"');
    expect(res.body.errors[0].extensions).toMatchObject({ code: "UNAUTHENTICATED", httpStatus: 401 });
    expect(res.body.data).toBeUndefined();
  });

  test("then an IANA entry is LOCKED (423) for an editor but not for an admin", async () => {
    const editor = clientWithKey(t, (await createKey(t, "editor")).key);
    const admin = clientWithKey(t, (await createKey(t, "admin", "Ada")).key);
    const patch = `mutation { updateStatusCode(code: 402, expectedVersion: 1, patch: { popularity: POPULAR }) { version popularity updatedBy } }`;
    expect((await editor(patch)).errors?.[0].extensions).toMatchObject({ code: "LOCKED", httpStatus: 423 });
    expect((await admin(patch)).data.updateStatusCode).toEqual({ version: 2, popularity: "POPULAR", updatedBy: "Ada" });
  });
});

describe("When keys are managed with `npm run apikey`", () => {
  const cli = (args: string[]) =>
    promisify(execFile)("node", [join(PROJECT_ROOT, "dist", "scripts", "apikey.js"), ...args], {
      env: { ...process.env, MONGODB_URI: t.uri },
    });

  test("then create prints a working key last, list shows it without the key, and revoke disables it", async () => {
    const created = await cli(["create", "--role", "editor", "--name", "cli-test"]);
    const key = created.stdout.trim().split("\n").at(-1)!;
    expect(key).toMatch(/^sg_[A-Za-z0-9_-]{32}$/);
    const id = /with id ([0-9a-f-]{36})/.exec(created.stdout)![1];

    const asCli = clientWithKey(t, key);
    const res = await asCli(`mutation { updateStatusCode(code: 200, patch: {}) { code } }`);
    expect(res.errors?.[0].extensions.code).toBe("LOCKED"); // authenticated as an editor

    const listed = await cli(["list"]);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain("cli-test");
    expect(listed.stdout).not.toContain(key);

    await cli(["revoke", id]);
    const after = await postJson(t.url, { query: "{ errorCodes { code } }" }, { authorization: `Bearer ${key}` });
    expect(after.status).toBe(401);
    expect((await cli(["list"])).stdout).toMatch(new RegExp(`${id}.*revoked`));
  });

  test("then bad arguments exit 2 with the usage", async () => {
    await expect(cli(["create", "--role", "superuser", "--name", "x"])).rejects.toMatchObject({ code: 2 });
    await expect(cli([])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("Usage") });
  });
});
