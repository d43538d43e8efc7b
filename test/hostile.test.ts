import { randomBytes } from "node:crypto";
import { ERROR_CODES } from "../src/errors/error-codes";
import { startServerProcess, type ServerProcess } from "./support/server-process";
import { loadSeedEntries } from "../src/catalogue/seed/catalogue-seed";

/**
 * What an anonymous attacker can send, against the built server in its production
 * configuration (NODE_ENV=production, every limit at its default), in a process of its own
 * whose memory is sampled throughout. TRUST_PROXY=1 lets each test speak from an address of
 * its own (the documentation ranges of RFC 5737), as clients behind one proxy would.
 */
let server: ServerProcess;
let peakRssMiB = 0;
let sampler: NodeJS.Timeout;
const background: { status: number; ms: number }[] = [];
let backgroundRunning = true;
let backgroundLoop: Promise<void>;

const FULL_ENTRY = `code reasonPhrase formerNames class description popularity registryStatus
  specification { document section url } cacheableByDefault bodyAllowed typicalHeaders source version
  createdAt updatedAt updatedBy apiErrorCodes`;

async function post(query: string, from: string, headers: Record<string, string> = {}) {
  const started = performance.now();
  const res = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", "x-forwarded-for": from, ...headers },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as any;
  return { status: res.status, headers: res.headers, body, ms: performance.now() - started };
}

beforeAll(async () => {
  // Each limit alone: new documents shed under pressure would turn the abusive client's last
  // requests into 503s before its 429, and held refusals would make 1,490 refused guesses take
  // 25 minutes, one at a time (shedding.test.ts tests both).
  server = await startServerProcess({ TRUST_PROXY: "1", NEW_DOCUMENT_WORK_MS: "0", SHED_EVENT_LOOP_DELAY_MS: "60000", REFUSAL_HOLD_MS: "0" });
  sampler = setInterval(() => (peakRssMiB = Math.max(peakRssMiB, server.rssMiB())), 50);
  // A normal client that keeps asking while the attacks run.
  backgroundLoop = (async () => {
    while (backgroundRunning) {
      const res = await post("{ statusCode(code: 404) { code reasonPhrase } }", "192.0.2.200");
      background.push({ status: res.status, ms: res.ms });
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
});

afterAll(async () => {
  backgroundRunning = false;
  await backgroundLoop;
  clearInterval(sampler);
  await server.stop();
});

const refusals: [string, () => string, string][] = [
  [
    "six levels of fragments fanning `related` out under aliases (the 0.8 KiB query that crashed the process)",
    () => {
      const fragments = ["fragment L0 on StatusCode { code }"];
      for (let level = 1; level <= 6; level += 1) {
        const spreads = Array.from({ length: 4 }, (_, i) => `a${i}: related { ...L${level - 1} } b${i}: related { ...L${level - 1} }`);
        fragments.push(`fragment L${level} on StatusCode { ${spreads.join(" ")} }`);
      }
      return `{ statusCodes(first: 100) { nodes { ...L6 } } } ${fragments.join(" ")}`;
    },
    "TOO_MANY_ALIASES",
  ],
  [
    "fragments that each spread the next twice, 40 deep, without aliases",
    () => {
      const fragments = Array.from({ length: 40 }, (_, i) => `fragment F${i} on StatusCode { ...F${i + 1} ...F${i + 1} }`);
      return `{ statusCode(code: 404) { ...F0 } } ${fragments.join(" ")} fragment F40 on StatusCode { code }`;
    },
    "TOO_MANY_SELECTIONS",
  ],
  [
    "the same inside introspection (graphql-js's own introspection rule expands every spread)",
    () => {
      const fragments = Array.from({ length: 40 }, (_, i) => `fragment F${i} on __Schema { ...F${i + 1} ...F${i + 1} }`);
      return `{ __schema { ...F0 } } ${fragments.join(" ")} fragment F40 on __Schema { queryType { name } }`;
    },
    "TOO_MANY_SELECTIONS",
  ],
  ["50,000 × `code` in one selection (64 s of validation before)", () => `{ statusCode(code: 404) { ${"code ".repeat(50_000)} } }`, "TOO_MANY_TOKENS"],
  ["90,000 × `__typename`, 967 KiB, just under the body limit", () => `{ ${"__typename ".repeat(90_000)}}`, "TOO_MANY_TOKENS"],
  [
    "100 aliases of a 100-entry page with `related`",
    () => `{ ${Array.from({ length: 100 }, (_, i) => `p${i}: statusCodes(first: 100) { nodes { code related { code } } }`).join(" ")} }`,
    "TOO_MANY_ALIASES",
  ],
  ["2,000 aliases of statusCode(code: 404)", () => `{ ${Array.from({ length: 2000 }, (_, i) => `a${i}: statusCode(code: 404) { code }`).join(" ")} }`, "TOO_MANY_TOKENS"],
  [
    "10 root aliases (the limit) of a 100-entry page with `related`",
    () => `{ ${Array.from({ length: 10 }, (_, i) => `p${i}: statusCodes(first: 100) { nodes { code related { code } } }`).join(" ")} }`,
    "QUERY_TOO_COMPLEX",
  ],
  [
    "a 100-entry page with `related` three levels deep",
    () => `{ statusCodes(first: 100) { nodes { code related { code related { code related { code } } } } } }`,
    "QUERY_TOO_COMPLEX",
  ],
  ["11 root fields", () => `{ ${Array.from({ length: 11 }, () => "statusClasses { count }").join(" ")} }`, "TOO_MANY_ROOT_FIELDS"],
  ["six directives on one field", () => `{ statusCode(code: 404) { code ${"@include(if: true) ".repeat(6)} } }`, "TOO_MANY_DIRECTIVES"],
  ["fields nested 11 deep", () => `{ statusCodes(first: 1) { nodes { ${"related { ".repeat(8)} code ${"} ".repeat(8)} } } }`, "QUERY_TOO_DEEP"],
];

describe("When an attacker sends an operation that would exhaust the server", () => {
  test.each(refusals.map(([name, query, code]) => ({ name, query, code })))("then $name is refused with $code before it runs", async ({ query, code }) => {
    const res = await post(query(), "198.51.100.1");
    expect(res.status).toBe(422);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors[0].extensions).toMatchObject({ code, httpStatus: 422 });
  });

  test("then a cost refusal says what it cost and what the limit is", async () => {
    const res = await post(`{ statusCodes(first: 100) { nodes { code related { code related { code } } } } }`, "198.51.100.1");
    expect(res.body.errors[0].extensions).toEqual(expect.objectContaining({ code: "QUERY_TOO_COMPLEX", cost: 4 + 100 * (1 + 1 + (4 + 10 * (1 + (4 + 10 * 1)))), maxCost: 10_000 }));
  });

  test("then introspection nested past graphql-js's introspection depth is refused", async () => {
    const res = await post("{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }", "198.51.100.1");
    expect(res.status).toBe(422);
    expect(res.body.errors[0].extensions).toMatchObject({ code: "GRAPHQL_VALIDATION_FAILED", httpStatus: 422 });
  });
});

describe("When legitimate clients use the API under the same limits", () => {
  test("then a full catalogue page with every field and `related` passes", async () => {
    const res = await post(`{ statusCodes(first: 100) { totalCount pageInfo { hasNextPage } nodes { ${FULL_ENTRY} related { code reasonPhrase } } } }`, "192.0.2.1");
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.statusCodes.nodes).toHaveLength(loadSeedEntries().length);
    // Its cost, 6,204, bounds its size: a unit of cost is at most about 200 bytes of answer.
    expect(JSON.stringify(res.body).length).toBeLessThan(6204 * 200);
  });

  test("then a selection at the bounds (1,400 repeated fields) is answered", async () => {
    const res = await post(`{ statusCode(code: 404) { ${"code ".repeat(1400)} } }`, "192.0.2.1");
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.statusCode.code).toBe(404);
  });

  test("then the error table, 10 root aliases and 30 aliases in all pass", async () => {
    const table = await post("{ errorCodes { code httpStatus description statusCode { reasonPhrase } } }", "192.0.2.1");
    expect(table.body.data.errorCodes).toHaveLength(ERROR_CODES.length);
    const entry = (i: number) => `a${i}: statusCode(code: ${400 + i}) { c: code p: reasonPhrase }`;
    const aliases = await post(`{ ${Array.from({ length: 10 }, (_, i) => entry(i)).join(" ")} }`, "192.0.2.1");
    expect(aliases.body.errors).toBeUndefined();
    expect(aliases.body.data.a9).toEqual({ c: 409, p: "Conflict" });
  });

  test("then 300 ordinary queries from one NAT address all pass while one abusive address is throttled", async () => {
    // 30 users at a time, 10 queries each.
    const nat = (
      await Promise.all(
        Array.from({ length: 30 }, async () => {
          const results = [];
          for (let i = 0; i < 10; i += 1) results.push(await post(`{ statusCode(code: ${[200, 404, 429][i % 3]}) { code reasonPhrase description } }`, "192.0.2.50"));
          return results;
        }),
      )
    ).flat();
    expect(nat.filter((r) => r.status !== 200)).toEqual([]);
    // The costliest page the cost limit allows, from one address, each a new document (a repeated
    // one is a response-cache hit, which costs 1 unit: it runs nothing).
    const costly = (i: number) => `{ statusCodes(first: 100) { nodes { ${FULL_ENTRY} related { code reasonPhrase } } } } # ${i}`;
    const statuses: number[] = [];
    for (let i = 0; i < 40 && !statuses.includes(429); i += 1) statuses.push((await post(costly(i), "203.0.113.66")).status);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.length).toBeLessThan(40);
    expect(statuses.slice(0, -1).every((s) => s === 200)).toBe(true);
  });

  test("then 1,500 guessed keys from one address cost 10 lookups and a 429, and the address can still read", async () => {
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1500; i += 1) {
      const res = await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.9", authorization: `Bearer ${randomBytes(24).toString("base64url")}` },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 401: 10, 429: 1490 });
    expect((await post("{ __typename }", "203.0.113.9")).status).toBe(200);
  }, 60_000);
});

describe("Through all of the above", () => {
  test("the server's memory stayed under 300 MiB and the normal client kept being answered", async () => {
    expect(server.rssMiB()).toBeGreaterThan(0); // the process is alive
    expect(peakRssMiB).toBeLessThan(300);
    expect(background.length).toBeGreaterThan(10);
    expect(background.filter((r) => r.status !== 200)).toEqual([]);
    const sorted = background.map((r) => r.ms).sort((a, b) => a - b);
    console.log(`hostile.test: peak RSS ${peakRssMiB.toFixed(0)} MiB; normal query p50 ${sorted[sorted.length >> 1].toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms over ${sorted.length}`);
  });
});
