import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../src/project-root";
import { SEED_CSV } from "../src/catalogue/seed/catalogue-seed";
import { startTestApp, type TestApp } from "./support/harness";

const ENTRY = `code reasonPhrase formerNames class description popularity registryStatus
  specification { document section url } cacheableByDefault bodyAllowed typicalHeaders version updatedAt id`;

let t: TestApp;
beforeAll(async () => (t = await startTestApp()));
afterAll(() => t.stop());

const csvRows = readFileSync(SEED_CSV, "utf8").trim().split("\n").slice(1).map((l) => l.split(","));

describe("When a client reads one entry", () => {
  test("then every field of 404 comes back from the database", async () => {
    const res = await t.gql(`{ statusCode(code: 404) { ${ENTRY} } }`);
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data!.statusCode).toMatchObject({
      code: 404,
      reasonPhrase: "Not Found",
      class: "CLIENT_ERROR",
      popularity: "POPULAR",
      registryStatus: "REGISTERED",
      specification: { document: "RFC 9110", section: "15.5.5", url: "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.5" },
      cacheableByDefault: true,
      bodyAllowed: true,
      version: 1,
    });
    expect(new Date((res.data!.statusCode as any).updatedAt).getTime()).toBeGreaterThan(0);
  });

  test("then former names, no-body codes and unlisted codes are described correctly", async () => {
    const res = await t.gql<any>(`{
      a: statusCode(code: 413) { reasonPhrase formerNames popularity }
      b: statusCode(code: 304) { bodyAllowed typicalHeaders }
      c: statusCode(code: 102) { popularity class bodyAllowed }
      d: statusCode(code: 305) { registryStatus }
    }`);
    expect(res.data.a).toEqual({ reasonPhrase: "Content Too Large", formerNames: ["Payload Too Large", "Request Entity Too Large"], popularity: "LESS_POPULAR" });
    expect(res.data.b).toEqual({ bodyAllowed: false, typicalHeaders: expect.arrayContaining(["ETag"]) });
    expect(res.data.c).toEqual({ popularity: "OTHER", class: "INFORMATIONAL", bodyAllowed: false });
    expect(res.data.d).toEqual({ registryStatus: "DEPRECATED" });
  });
});

describe("When the whole catalogue is listed", () => {
  test("then it holds every row of the IANA reference table with its name and status", async () => {
    const res = await t.gql<any>(`{ statusCodes(first: 100) { totalCount nodes { code reasonPhrase registryStatus cacheableByDefault } } }`);
    expect(res.data.statusCodes.totalCount).toBe(csvRows.length);
    const got = res.data.statusCodes.nodes.map((n: any) => [n.code, n.reasonPhrase, n.registryStatus, n.cacheableByDefault]);
    const want = csvRows.map((r) => [Number(r[0]), r[1], r[5].toUpperCase(), r[6] === "yes"]);
    expect(got).toEqual(want);
  });

  test("then the repository's copy of the IANA table is the shared reference, unchanged", () => {
    const shared = join(PROJECT_ROOT, "..", "shared", "reference", "iana-http-status-codes.csv");
    if (!existsSync(shared)) return; // a clone without the shared folder beside it
    expect(readFileSync(SEED_CSV, "utf8")).toBe(readFileSync(shared, "utf8"));
  });

  test("then the statusClasses counts add up to the catalogue", async () => {
    const res = await t.gql<any>(`{ statusClasses { class range { from to } count } }`);
    const classes = res.data.statusClasses;
    expect(classes.map((c: any) => c.class)).toEqual(["INFORMATIONAL", "SUCCESSFUL", "REDIRECTION", "CLIENT_ERROR", "SERVER_ERROR"]);
    expect(classes[3].range).toEqual({ from: 400, to: 499 });
    for (const [i, c] of classes.entries()) {
      expect(c.count).toBe(csvRows.filter((r) => r[0].startsWith(String(i + 1))).length);
    }
  });
});

describe("When a client resolves related codes for a page", () => {
  test("then the page, related codes, counts, node and the error table's entries need no database command", async () => {
    const commands: string[] = [];
    const client = t.app.connection.getClient();
    // The background work of every process (readiness probe, catalogue revision poll) is not the request's.
    const background = new Set(["ping", "readiness_probe", "catalogue_state"]);
    const listener = (e: { commandName: string; command: Record<string, unknown> }) => {
      const target = String(e.command[e.commandName] ?? e.commandName);
      if (!background.has(e.commandName) && !background.has(target)) commands.push(`${e.commandName} ${target}`);
    };
    client.on("commandStarted", listener);
    const res = await t.gql<any>(`{
      statusCodes(first: 30, filter: { search: "redirect" }) { totalCount nodes { code related { code reasonPhrase } } }
      statusClasses { count }
      node(id: "U3RhdHVzQ29kZTo0MDQ=") { id }
      errorCodes { code statusCode { code } }
      statusCode(code: 301) { code related { code } }
    }`);
    client.off("commandStarted", listener);

    expect(res.errors).toBeUndefined();
    expect(res.data.statusCode.related.map((r: any) => r.code)).toEqual([308, 302]);
    expect(res.data.statusCodes.totalCount).toBeGreaterThan(0);
    expect(commands).toEqual([]);
  });

  test("then 401 and 403 point at each other, and so do 429 and 503", async () => {
    const res = await t.gql<any>(`{
      a: statusCode(code: 401) { related { code } }  b: statusCode(code: 403) { related { code } }
      c: statusCode(code: 429) { related { code } }  d: statusCode(code: 503) { related { code } }
    }`);
    const codes = (k: string) => res.data[k].related.map((r: any) => r.code);
    expect(codes("a")).toContain(403);
    expect(codes("b")).toContain(401);
    expect(codes("c")).toContain(503);
    expect(codes("d")).toContain(429);
  });
});

describe("When a client uses global object identification", () => {
  test("then node(id) returns the same entry as statusCode", async () => {
    const one = await t.gql<any>(`{ statusCode(code: 418) { id reasonPhrase } }`);
    const res = await t.gql<any>(`query($id: ID!) { node(id: $id) { __typename id ... on StatusCode { code reasonPhrase } } }`, {
      id: one.data.statusCode.id,
    });
    expect(res.data.node).toEqual({ __typename: "StatusCode", id: one.data.statusCode.id, code: 418, reasonPhrase: "(Unused)" });
  });
});

describe("When a client reads the error model", () => {
  test("then errorCodes lists the table with each code's catalogue entry", async () => {
    const res = await t.gql<any>(`{ errorCodes { code httpStatus description statusCode { code reasonPhrase } } }`);
    const byCode = Object.fromEntries(res.data.errorCodes.map((e: any) => [e.code, e]));
    expect(byCode.NOT_FOUND).toMatchObject({ httpStatus: 404, statusCode: { code: 404, reasonPhrase: "Not Found" } });
    expect(byCode.VALIDATION_FAILED).toMatchObject({ httpStatus: 422, statusCode: { reasonPhrase: "Unprocessable Content" } });
    expect(byCode.RATE_LIMITED.statusCode.code).toBe(429);
  });

  test("then each entry names the error codes that carry it", async () => {
    const res = await t.gql<any>(`{ a: statusCode(code: 409) { apiErrorCodes } b: statusCode(code: 200) { apiErrorCodes } }`);
    expect(res.data.a.apiErrorCodes).toEqual(["CONFLICT"]);
    expect(res.data.b.apiErrorCodes).toEqual([]);
  });
});
