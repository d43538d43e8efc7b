import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../src/project-root";
import { SEED_CSV } from "../src/catalogue/seed/catalogue-seed";
import { startTestApp, type TestApp } from "./support/harness";

const ENTRY = `code reasonPhrase formerNames class description popularity registryStatus
  specification { document section url } cacheableByDefault bodyAllowed typicalHeaders version updatedAt id`;

let t: TestApp;
beforeAll(async () => (t = await startTestApp()));

/** Lower case, with runs of spaces, "_" and "-" as one space: NGX_HTTP_CLIENT_CLOSED_REQUEST names "Client Closed Request". */
const words = (text: string) => text.toLowerCase().replace(/[\s_-]+/g, " ");

/** A vendor use quotes its source: the code, and the vendor's name where it gives one, read on a date from a copy it names. */
function expectPinned(code: number, use: any) {
  const where = `${code} ${use.origin}`;
  expect([where, use.origin.trim(), use.label.trim()]).toEqual([where, expect.any(String), expect.stringMatching(/\S/)]);
  expect([where, use.description.length > 40, new URL(use.reference).protocol]).toEqual([where, true, "https:"]);
  expect([where, use.excerpt.text]).toEqual([where, expect.stringContaining(String(code))]);
  if (use.reasonPhrase !== null) {
    expect([where, use.label]).toEqual([where, use.reasonPhrase]);
    expect([where, words(use.excerpt.text)]).toEqual([where, expect.stringContaining(words(use.reasonPhrase))]);
  }
  expect([where, use.excerpt.readOn]).toEqual([where, expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/)]);
  expect([where, use.excerpt.provenance.length > 20]).toEqual([where, true]);
}
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
  test("then it holds every row of the IANA reference table with its name, status and reference", async () => {
    const res = await t.gql<any>(`{ statusCodes(first: 100, filter: { registryStatus: [REGISTERED, DEPRECATED, UNUSED, OBSOLETED, TEMPORARY] }) {
      totalCount nodes { code reasonPhrase registryStatus cacheableByDefault specification { document section url } } } }`);
    expect(res.data.statusCodes.totalCount).toBe(csvRows.length);
    const got = res.data.statusCodes.nodes.map((n: any) => [n.code, n.reasonPhrase, n.registryStatus, n.cacheableByDefault]);
    const want = csvRows.map((r) => [Number(r[0]), r[1], r[5].toUpperCase(), r[6] === "yes"]);
    expect(got).toEqual(want);
    // The registry's latest document (its references, ";"-separated, oldest first), with the
    // section where it names one; every entry defined by an RFC has a section.
    for (const [i, node] of res.data.statusCodes.nodes.entries()) {
      const latest = csvRows[i][2].split(";").at(-1)!;
      const rfc = /^RFC(\d+)(?: Section ([\d.]+))?$/.exec(latest);
      if (!rfc) {
        expect([node.code, node.specification.document]).toEqual([node.code, latest]); // a draft or an IESG status change
        continue;
      }
      const [, doc, section] = rfc;
      expect([node.code, node.specification.document]).toEqual([node.code, `RFC ${doc}`]);
      if (section) expect([node.code, node.specification.section]).toEqual([node.code, section]);
      expect([node.code, node.specification.section]).toEqual([node.code, expect.stringMatching(/^\d+(\.\d+)*$/)]);
      expect(node.specification.url).toBe(`https://www.rfc-editor.org/rfc/rfc${doc}#section-${node.specification.section}`);
    }
  });

  test("then 104 is a temporary registration with IANA's dates, and 510 ends with the status change that obsoleted it", async () => {
    const res = await t.gql<any>(`{
      a: statusCode(code: 104) { reasonPhrase registryStatus bodyAllowed specification { document section url }
        temporaryRegistration { registeredOn extendedOn expiresOn excerpt { text readOn provenance } } example }
      b: statusCode(code: 510) { registryStatus specificationHistory { document section } temporaryRegistration { expiresOn } }
      c: statusCode(code: 404) { temporaryRegistration { expiresOn } }
    }`);
    expect(res.errors).toBeUndefined();
    const { a, b, c } = res.data;
    expect(a).toMatchObject({ reasonPhrase: "Upload Resumption Supported", registryStatus: "TEMPORARY", bodyAllowed: false });
    expect(a.specification).toEqual({ document: "draft-ietf-httpbis-resumable-upload-05", section: null, url: "https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-resumable-upload-05" });
    const reg = a.temporaryRegistration;
    expect(reg).toMatchObject({ registeredOn: "2024-11-13", extendedOn: ["2025-09-15"], expiresOn: "2026-11-13" });
    // Every date is the registry's own words.
    for (const date of [reg.registeredOn, ...reg.extendedOn, reg.expiresOn]) expect(reg.excerpt.text).toContain(date);
    expect(reg.excerpt.text).toContain("104 Upload Resumption Supported (TEMPORARY");
    expect(a.example).toBe("HTTP/1.1 104 Upload Resumption Supported\nLocation: https://api.example.com/uploads/7");
    expect(b).toEqual({
      registryStatus: "OBSOLETED",
      specificationHistory: [
        { document: "RFC 2774", section: "7" },
        { document: "status-change-http-experiments-to-historic", section: null },
      ],
      temporaryRegistration: null,
    });
    expect(c.temporaryRegistration).toBeNull();
  });

  test("then every other entry is an unofficial code whose every use quotes its source", async () => {
    const res = await t.gql<any>(`{ statusCodes(first: 40, filter: { registryStatus: [UNREGISTERED] }) {
      totalCount nodes { code reasonPhrase popularity source unofficialUses { origin reasonPhrase label description reference excerpt { text readOn provenance } } } } }`);
    const all = (await t.gql<any>(`{ statusCodes(first: 100) { totalCount } }`)).data.statusCodes.totalCount;
    expect(res.data.statusCodes.totalCount).toBeGreaterThanOrEqual(29);
    expect(res.data.statusCodes.totalCount).toBe(all - csvRows.length);
    for (const node of res.data.statusCodes.nodes) {
      expect([node.code, node.popularity, node.source]).toEqual([node.code, "OTHER", "VENDOR"]);
      expect(node.unofficialUses.length).toBeGreaterThan(0);
      // The entry's name is its first use's: the vendor's, or our label where the vendor gives none.
      const first = node.unofficialUses[0];
      expect([node.code, node.reasonPhrase.toLowerCase()]).toEqual([node.code, (first.reasonPhrase ?? first.label).toLowerCase()]);
    }
    // The registered codes vendors reuse (451, 508), each read whole (the whole list would cost too much).
    const listed = await t.gql<any>(`{ statusCodes(first: 100, filter: { registryStatus: [REGISTERED, DEPRECATED, UNUSED, OBSOLETED, TEMPORARY] }) {
      nodes { code unofficialUses { origin } } } }`);
    const reused = listed.data.statusCodes.nodes.filter((n: any) => n.unofficialUses.length > 0).map((n: any) => n.code);
    expect(reused).toEqual([451, 508]);
    const registered = await Promise.all(
      reused.map(async (code: number) => (await t.gql<any>(`{ statusCode(code: ${code}) { code unofficialUses { origin reasonPhrase label description reference excerpt { text readOn provenance } } } }`)).data.statusCode),
    );
    const uses = [...res.data.statusCodes.nodes, ...registered].flatMap((n: any) => n.unofficialUses.map((u: any) => [n.code, u]));
    expect(uses.length).toBeGreaterThanOrEqual(34);
    for (const [code, use] of uses) expectPinned(code, use);
  });

  test("then the repository's IANA table is the registry as first read plus what it has gained since", () => {
    // The registry's table as the catalogue was first seeded from it (test/fixtures/iana/), kept
    // so that any later change to the seed's table is one this test names.
    const first = join(PROJECT_ROOT, "test", "fixtures", "iana", "registry-as-first-read.csv");
    const ours = readFileSync(SEED_CSV, "utf8").trim().split(/\r?\n/);
    const theirs = new Set(readFileSync(first, "utf8").trim().split(/\r?\n/));
    // The first copy leaves out the temporary 104, and names only RFC 2774 for 510.
    expect(ours.filter((row) => !theirs.has(row)).map((row) => row.split(",").slice(0, 3).join(","))).toEqual([
      "104,Upload Resumption Supported,draft-ietf-httpbis-resumable-upload-05",
      "510,Not Extended,RFC2774;status-change-http-experiments-to-historic",
    ]);
    expect([...theirs].filter((row) => !ours.includes(row)).map((row) => row.split(",")[0])).toEqual(["510"]);
  });

  test("then the statusClasses counts add up to the catalogue", async () => {
    const res = await t.gql<any>(`{ statusClasses { class range { from to } count } }`);
    const classes = res.data.statusClasses;
    expect(classes.map((c: any) => c.class)).toEqual(["INFORMATIONAL", "SUCCESSFUL", "REDIRECTION", "CLIENT_ERROR", "SERVER_ERROR"]);
    expect(classes[3].range).toEqual({ from: 400, to: 499 });
    const all = (await t.gql<any>(`{ statusCodes(first: 100) { nodes { code } } }`)).data.statusCodes.nodes;
    for (const [i, c] of classes.entries()) {
      expect(c.count).toBe(all.filter((n: any) => Math.floor(n.code / 100) === i + 1).length);
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

describe("When a client looks up an unofficial code", () => {
  test("then 499 answers with its nginx use and its second meaning, and 420 with both of its", async () => {
    const res = await t.gql<any>(`{
      a: statusCode(code: 499) { reasonPhrase registryStatus bodyAllowed specification { url } unofficialUses { origin reasonPhrase reference } }
      b: statusCode(code: 420) { unofficialUses { origin reasonPhrase } }
      c: statusCode(code: 451) { registryStatus specification { document section } unofficialUses { origin reasonPhrase } }
    }`);
    expect(res.data.a).toMatchObject({ reasonPhrase: "Client Closed Request", registryStatus: "UNREGISTERED", bodyAllowed: true });
    expect(res.data.a.unofficialUses.map((u: any) => [u.origin, u.reasonPhrase])).toEqual([
      ["nginx", "Client Closed Request"],
      ["Esri ArcGIS", "Token Required"],
    ]);
    expect(res.data.a.specification.url).toBe(res.data.a.unofficialUses[0].reference);
    expect(res.data.b.unofficialUses.map((u: any) => u.reasonPhrase)).toEqual(["Enhance Your Calm", "Method Failure"]);
    // A registered code a vendor reuses keeps its IANA entry and gains the use.
    expect(res.data.c).toEqual({
      registryStatus: "REGISTERED",
      specification: { document: "RFC 7725", section: "3" },
      unofficialUses: [{ origin: "Microsoft Exchange ActiveSync", reasonPhrase: "Redirect" }],
    });
  });

  test("then 498 answers with Esri's Invalid Token, quoted from Esri's article, and it and 499 point at each other", async () => {
    const res = await t.gql<any>(`{
      a: statusCode(code: 498) {
        reasonPhrase class registryStatus popularity source bodyAllowed retryable example specification { url } related { code }
        unofficialUses { origin reasonPhrase label description reference excerpt { text readOn provenance } }
      }
      b: statusCode(code: 499) { related { code } }
    }`);
    expect(res.errors).toBeUndefined();
    const { a, b } = res.data;
    const article = "https://support.esri.com/en-us/knowledge-base/bug-error-code-498-invalid-token-returned-when-viewing--000016034";
    expect(a).toMatchObject({
      reasonPhrase: "Invalid Token",
      class: "CLIENT_ERROR",
      registryStatus: "UNREGISTERED",
      popularity: "OTHER",
      source: "VENDOR",
      bodyAllowed: true,
      retryable: false,
      specification: { url: article },
    });
    expect(a.related.map((r: any) => r.code)).toEqual([499, 401]);
    expect(b.related.map((r: any) => r.code)).toContain(498);
    expect(a.unofficialUses).toHaveLength(1);
    const [use] = a.unofficialUses;
    expect(use).toMatchObject({ origin: "Esri ArcGIS", reasonPhrase: "Invalid Token", label: "Invalid Token", reference: article });
    expectPinned(498, use);
    // Esri's words, as its article's title and cause give them, read on the day the other sources were.
    expect(use.excerpt.text).toMatch(/^Error Code 498 "Invalid Token" returned when viewing images in the Story Map Journal app … /);
    expect(use.excerpt.text).toContain("which can range from a few seconds up to two weeks.");
    expect(use.excerpt.readOn).toBe("2026-12-05");
    expect(use.excerpt.provenance).toMatch(/^the search tool's stored copy \(pages corpus\) of this Esri knowledge-base article, 000016034/);
    expect(a.example).toMatch(/^HTTP\/1\.1 498 Invalid Token\nContent-Type: application\/problem\+json\n/);
  });

  test("then a vendor that gives no name has a null reasonPhrase and our label, and the facts follow the sources", async () => {
    const res = await t.gql<any>(`{
      alb: statusCode(code: 460) { reasonPhrase unofficialUses { reasonPhrase label excerpt { text } } }
      tornado: statusCode(code: 599) { reasonPhrase formerNames description unofficialUses { reasonPhrase label excerpt { text } } }
      cloudflare: statusCode(code: 524) { description unofficialUses { description excerpt { text } } }
      nginx: statusCode(code: 494) { description }
      spring: statusCode(code: 420) { unofficialUses { description } }
      graphql: statusCode(code: 294) { reasonPhrase popularity example unofficialUses { origin reasonPhrase reference } }
      reuse: statusCode(code: 508) { reasonPhrase unofficialUses { origin reasonPhrase } }
    }`);
    expect(res.errors).toBeUndefined();
    const { alb, tornado, cloudflare, nginx, spring, graphql, reuse } = res.data;
    expect(alb.unofficialUses).toEqual([{ reasonPhrase: null, label: alb.reasonPhrase, excerpt: { text: expect.stringMatching(/^HTTP 460\n/) } }]);
    expect(tornado.unofficialUses[0]).toMatchObject({ reasonPhrase: null, excerpt: { text: "Error code 599 is used when no HTTP response was received, e.g. for a timeout." } });
    expect(tornado.formerNames).toEqual(["Network Connect Timeout Error"]);
    expect(tornado.description).not.toMatch(/not sent by servers/i);
    expect(cloudflare.description).toContain("120 seconds");
    expect(cloudflare.unofficialUses[0].excerpt.text).toContain("120 seconds");
    expect(nginx.description).toMatch(/414/);
    expect(spring.unofficialUses[1].description).toContain("RFC 2518 Section 10.5");
    expect(graphql).toMatchObject({ reasonPhrase: "Partial Success", popularity: "OTHER" });
    expect(graphql.unofficialUses[0].reference).toBe("https://graphql.github.io/graphql-over-http/draft/#sec-Status-Codes");
    expect(graphql.example).toMatch(/^HTTP\/1\.1 294 Partial Success\nContent-Type: application\/graphql-response\+json\n/);
    const body = JSON.parse(graphql.example.split("\n\n")[1]);
    expect(Object.keys(body)).toEqual(["data", "errors"]);
    expect(reuse).toEqual({ reasonPhrase: "Loop Detected", unofficialUses: [{ origin: "CloudLinux (mod_hostinglimits)", reasonPhrase: "Resource Limit Is Reached" }] });
  });
});

describe("When a client reads a code's history", () => {
  test("then 200, 308, 422, 429, 103 and 418 list their specifications oldest first, ending with the current one", async () => {
    const res = await t.gql<any>(`{ statusCodes(first: 100, filter: { codeRange: { from: 100, to: 599 } }) {
      nodes { code formerNames specification { document section url } specificationHistory { document section url } } } }`);
    const byCode = new Map(res.data.statusCodes.nodes.map((n: any) => [n.code, n]));
    const docs = (code: number) => (byCode.get(code) as any).specificationHistory.map((s: any) => `${s.document} ${s.section}`);
    expect(docs(200)).toEqual(["RFC 1945 9.2", "RFC 2068 10.2.1", "RFC 2616 10.2.1", "RFC 7231 6.3.1", "RFC 9110 15.3.1"]);
    expect(docs(308)).toEqual(["RFC 7238 3", "RFC 7538 3", "RFC 9110 15.4.9"]);
    expect(docs(422)).toEqual(["RFC 2518 10.3", "RFC 4918 11.2", "RFC 9110 15.5.21"]);
    expect(docs(429)).toEqual(["RFC 6585 4"]);
    expect(docs(103)).toEqual(["RFC 8297 2"]);
    expect(docs(418)).toEqual(["RFC 2324 2.3.2", "RFC 7168 2.3.3", "RFC 9110 15.5.19"]);
    expect((byCode.get(422) as any).formerNames).toEqual(["Unprocessable Entity"]);
    // Every history ends with the current specification, and never goes back in RFC number.
    for (const node of byCode.values() as Iterable<any>) {
      expect([node.code, node.specificationHistory.at(-1)]).toEqual([node.code, node.specification]);
      const numbers = node.specificationHistory.filter((s: any) => s.document.startsWith("RFC ")).map((s: any) => Number(s.document.slice(4)));
      expect([node.code, numbers]).toEqual([node.code, [...numbers].sort((x, y) => x - y)]);
    }
  });
});

describe("When a client reads examples and flags", () => {
  test("then every entry's example agrees with its code, body flag and typical headers, and the flags follow their rules", async () => {
    const res = await t.gql<any>(`{ statusCodes(first: 100) { nodes { code bodyAllowed typicalHeaders example redirect retryable } } }`);
    const nodes = res.data.statusCodes.nodes;
    expect(nodes.length).toBeGreaterThan(csvRows.length);
    for (const n of nodes) {
      const [head, ...rest] = n.example.split("\n\n");
      const [status, ...headers] = head.split("\n");
      expect([n.code, status]).toEqual([n.code, expect.stringMatching(new RegExp(`^HTTP/1\\.1 ${n.code}( |$)`))]);
      const names = headers.map((h: string) => h.slice(0, h.indexOf(":")).toLowerCase());
      for (const h of n.typicalHeaders) if (h !== "Expect") expect([n.code, names]).toEqual([n.code, expect.arrayContaining([h.toLowerCase()])]);
      expect([n.code, rest.join("").length > 0]).toEqual([n.code, n.bodyAllowed]);
      if (n.redirect) expect([n.code, names]).toEqual([n.code, expect.arrayContaining(["location"])]);
    }
    expect(nodes.filter((n: any) => n.redirect).map((n: any) => n.code)).toEqual([301, 302, 303, 307, 308]);
    expect(nodes.filter((n: any) => n.retryable).map((n: any) => n.code)).toEqual(expect.arrayContaining([408, 429, 502, 503, 504]));
    expect(nodes.filter((n: any) => n.retryable).map((n: any) => n.code)).not.toContain(500);
  });
});
