import { loadConfig } from "../src/config";
import { documentGate, type NewDocumentWork } from "../src/graphql/limits/document-gate";
import { FLOOD_HOLD_FACTOR, refusalHold } from "../src/http/admission/hold";
import type { Refusal } from "../src/http/exit/refusal";
import { NewDocumentPressure } from "../src/http/graphql-over-http/pressure";
import { startServerProcess, type ServerProcess } from "./support/server-process";

/**
 * Cheap work first: documents the server has never seen (a lexing, a walk, Apollo's parse and
 * validation each) are what is shed when their share of the event loop is spent, while known
 * documents and cache hits keep being answered. The built server in production config, in its
 * own process, with the share set to its minimum (1 ms a second) so that a small flood is
 * enough, and shed answers held for REFUSAL_HOLD_MS (4 s here, far beyond the normal client's
 * few milliseconds). The test asserts who is shed, who is answered and in which order, never a
 * timing.
 */
let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess({ NEW_DOCUMENT_WORK_MS: "1", REFUSAL_HOLD_MS: "4000" });
});
afterAll(() => server.stop());

const KNOWN = "query Known { statusCode(code: 404) { code reasonPhrase } }";

/** The order in which answers arrived. */
let answered = 0;

async function post(query: string) {
  const res = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json", accept: "application/graphql-response+json" }, body: JSON.stringify({ query }) });
  const body = (await res.json()) as any;
  return { status: res.status, retryAfter: res.headers.get("retry-after"), code: body.errors?.[0]?.extensions?.code as string | undefined, data: body.data, at: (answered += 1) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("When distinct documents flood the server", () => {
  test("then new documents are shed with 503 and Retry-After, while a known document and a cache hit are always answered", async () => {
    // Known before the flood: checked once, then remembered (its later checks are free).
    let known = await post(KNOWN);
    for (let i = 0; known.status !== 200 && i < 50; i += 1) {
      await sleep(500); // the bucket refills at 1 ms a second
      known = await post(KNOWN);
    }
    expect(known.status).toBe(200);
    const hitUrl = `${server.url}?query=${encodeURIComponent("{ statusCode(code: 418) { code } }")}`;
    let hit = await fetch(hitUrl);
    for (let i = 0; hit.status !== 200 && i < 50; i += 1) {
      await sleep(500);
      hit = await fetch(hitUrl);
    }
    expect(hit.status).toBe(200);

    const flood: Promise<Awaited<ReturnType<typeof post>> & { round: number }>[] = [];
    const normal: { status: number; what: string; round: number; at: number }[] = [];
    // 5 a round: held, each keeps its connection, and 10 rounds stay under the 64 sockets an address may hold.
    for (let round = 0; round < 10; round += 1) {
      flood.push(...Array.from({ length: 5 }, (_, i) => post(`query Flood_${round}_${i} { statusCode(code: ${200 + i}) { code description } }`).then((r) => ({ ...r, round }))));
      // A normal client after each round of the flood: its known document and a cached GET.
      normal.push({ ...(await post(KNOWN)), what: "known", round });
      const hitAnswer = await fetch(hitUrl);
      normal.push({ status: hitAnswer.status, what: "hit", round, at: (answered += 1) });
    }
    const answers = await Promise.all(flood);
    const shed = answers.filter((r) => r.status === 503);
    expect(shed.length).toBeGreaterThan(0);
    // The table's Retry-After of 5 s, less the 4 s it was held.
    expect(shed.every((r) => r.code === "SERVICE_UNAVAILABLE" && r.retryAfter === "1" && r.data === undefined)).toBe(true);
    // Nothing else went wrong: every other answer ran.
    expect(answers.filter((r) => r.status !== 503).every((r) => r.status === 200)).toBe(true);
    // Held: every shed answer came after the normal client's answers to requests sent after it.
    for (const r of shed) expect(normal.filter((n) => n.round >= r.round && n.at > r.at)).toEqual([]);
    expect(normal.filter((r) => r.status !== 200)).toEqual([]);
  }, 60_000);
});

describe("When one document that fails validation is sent again and again", () => {
  test("then it is new work every time (nothing keeps it), and shed as new documents are", async () => {
    const INVALID = "query Invalid { statusCode(code: 404) { noSuchField } }";
    // Until it has been validated once (the share may still be spent by the flood above).
    let first = await post(INVALID);
    for (let i = 0; first.status !== 422 && i < 50; i += 1) {
      await sleep(500);
      first = await post(INVALID);
    }
    expect(first.code).toBe("GRAPHQL_VALIDATION_FAILED");
    // Had the gate remembered it as it remembers valid documents, each would be validated again
    // for free, and never shed: 1 ms a second is spent within two.
    const again = [];
    for (let i = 0; i < 4; i += 1) again.push(await post(INVALID));
    expect(again.some((r) => r.status === 503 && r.code === "SERVICE_UNAVAILABLE")).toBe(true);
    expect(again.filter((r) => r.status !== 503).every((r) => r.code === "GRAPHQL_VALIDATION_FAILED")).toBe(true);
  }, 60_000);
});

describe("When a flood of distinct documents passes the gate (documentGate, with a counter for its new-document work)", () => {
  test("then the documents clients repeat stay known, and are never counted as new work again, while one seen once is forgotten", () => {
    const counted: string[] = [];
    let current = "";
    const work: NewDocumentWork = { admit: () => (counted.push(current), true), spend: () => {} };
    const check = documentGate(loadConfig({}).limits, work);
    const ask = (query: string) => ((current = query), check(query));
    const repeated = "query Repeated { statusCode(code: 404) { code } }";
    const once = "query Once { statusCode(code: 410) { code } }";
    ask(repeated);
    ask(repeated); // seen again: kept apart from the flood
    ask(once);
    // More distinct documents than the gate remembers (1 MiB, about 5,000).
    for (let i = 0; i < 12_000; i += 1) ask(`query Flood_${i} { __typename }`);
    counted.length = 0;
    ask(repeated);
    ask(once);
    expect(counted).toEqual([once]);
  });

  test("then a document found invalid is forgotten, and counted as new work each time it comes again", () => {
    const counted: string[] = [];
    const check = documentGate(loadConfig({}).limits, { admit: () => (counted.push("admitted"), true), spend: () => {} });
    const invalid = "{ noSuchField }"; // within the limits: only validation finds it wrong
    check(invalid);
    check(invalid);
    expect(counted).toHaveLength(1); // remembered, as every document within the limits is
    check.forget(invalid); // what the admission list does once it fails to validate
    check(invalid);
    check.forget(invalid);
    check(invalid);
    expect(counted).toHaveLength(3);
  });
});

describe("When refusals that say \"come back later\" are held (refusalHold)", () => {
  const limited = [{ code: "RATE_LIMITED" as const, message: "spent", details: { retryAfterSeconds: 30 }, headers: { "retry-after": "30" } }];
  test("then one address holds no more than its share, graphql-ws is never held, and the Retry-After sent counts the time held", async () => {
    const hold = refusalHold(1000, 100, 2);
    const first = hold.hold({ transport: "POST", address: "192.0.2.1" }, limited);
    const second = hold.hold({ transport: "POST", address: "192.0.2.1" }, limited);
    expect(first).toBeInstanceOf(Promise);
    expect(second).toBeInstanceOf(Promise);
    // Past its share of two, the address's next refusal goes out at once; another address's is held.
    expect(hold.hold({ transport: "POST", address: "192.0.2.1" }, limited)).toBe(limited);
    expect(hold.hold({ transport: "POST", address: "192.0.2.2" }, limited)).toBeInstanceOf(Promise);
    expect(hold.hold({ transport: "graphql-ws", address: "192.0.2.3" }, limited)).toBe(limited);
    expect(hold.held).toBe(3);
    const [sent] = await first;
    expect(sent.headers).toEqual({ "retry-after": "29" });
    expect(sent.details).toEqual({ retryAfterSeconds: 29 });
    await second;
    hold.release();
    expect(hold.held).toBe(0);
    // Released (shutdown): nothing is held from then on.
    expect(hold.hold({ transport: "POST", address: "192.0.2.4" }, limited)).toBe(limited);
  });
});

describe("When refusals of a tenth as many addresses as the hold has places are held (a flood)", () => {
  afterEach(() => jest.useRealTimers());
  const refusal = (retryAfter: number) => [{ code: "RATE_LIMITED" as const, message: "spent", details: { retryAfterSeconds: retryAfter }, headers: { "retry-after": String(retryAfter) } }];
  const watch = (promises: Promise<unknown>[]) => {
    const settled = new Set<unknown>();
    for (const p of promises) void p.then(() => settled.add(p));
    return settled;
  };

  test("then refusals are held FLOOD_HOLD_FACTOR times as long, never past their Retry-After, and once the flood ebbs, as long as before", async () => {
    jest.useFakeTimers();
    const hold = refusalHold(1000, 200, 200); // a flood from 20 addresses held on (a tenth of 200)
    const before = Array.from({ length: 20 }, (_, i) => hold.hold({ transport: "POST", address: `192.0.2.${i}` }, refusal(30)) as Promise<Refusal[]>);
    const flooded = hold.hold({ transport: "POST", address: "198.51.100.1" }, refusal(30)) as Promise<Refusal[]>;
    const shortRetry = hold.hold({ transport: "POST", address: "198.51.100.2" }, refusal(2)) as Promise<Refusal[]>;
    const settled = watch([...before, flooded, shortRetry]);
    await jest.advanceTimersByTimeAsync(1000);
    expect(before.every((p) => settled.has(p))).toBe(true); // held the usual second
    expect(settled.has(flooded)).toBe(false);
    expect(settled.has(shortRetry)).toBe(false);
    await jest.advanceTimersByTimeAsync(1000);
    expect(settled.has(shortRetry)).toBe(true); // never past its own Retry-After (2 s)...
    expect((await shortRetry)[0].headers).toEqual({ "retry-after": "0" }); // ...which it then says is over
    expect(settled.has(flooded)).toBe(false);
    await jest.advanceTimersByTimeAsync(1000);
    const [sent] = await flooded;
    expect(sent.headers).toEqual({ "retry-after": String(30 - FLOOD_HOLD_FACTOR) }); // held 3 s, counted down
    // The flood gone (nothing held), a refusal is held a second again.
    const calm = hold.hold({ transport: "POST", address: "198.51.100.3" }, refusal(30)) as Promise<Refusal[]>;
    await jest.advanceTimersByTimeAsync(1000);
    expect((await calm)[0].headers).toEqual({ "retry-after": "29" });
  });

  test("then refusals held for a few addresses, however many, are no flood: everyone else's are held the usual second", async () => {
    jest.useFakeTimers();
    const hold = refusalHold(1000, 400, 200);
    // Four addresses filling 60 places each: 240 of 400 held, far more than a tenth, from 4 addresses.
    const many = Array.from({ length: 240 }, (_, i) => hold.hold({ transport: "POST", address: `192.0.2.${i % 4}` }, refusal(30)));
    const other = hold.hold({ transport: "POST", address: "198.51.100.9" }, refusal(30)) as Promise<Refusal[]>;
    const settled = watch([other]);
    await jest.advanceTimersByTimeAsync(1000);
    expect(settled.has(other)).toBe(true);
    expect((await other)[0].headers).toEqual({ "retry-after": "29" });
    await Promise.all(many);
  });
});

describe("When a garbage collection falls inside a new document's check (NewDocumentPressure)", () => {
  test("then the document is charged at most what the dearest document costs, and the share is not emptied by it", () => {
    const pressure = new NewDocumentPressure(200, 60_000);
    try {
      expect(pressure.admit()).toBe(true);
      pressure.spend(300); // the check's CPU time, a 300 ms collection included
      expect(pressure.admit()).toBe(true);
      // Documents that really cost their time still spend the share.
      for (let i = 0; i < 4; i += 1) pressure.spend(5);
      expect(pressure.admit()).toBe(false);
    } finally {
      pressure.stop();
    }
  });
});

describe("When new documents arrive together (NewDocumentPressure.ownTurn)", () => {
  test("then each is released in a turn of the event loop of its own, in the order they came", async () => {
    const pressure = new NewDocumentPressure(200, 60_000);
    // A ticker counts the turns: one immediate a turn, each queueing the next.
    let turn = 0;
    let ticking = true;
    const tick = () => {
      turn += 1;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    try {
      const released: { id: number; turn: number }[] = [];
      await Promise.all(Array.from({ length: 5 }, (_, id) => pressure.ownTurn().then(() => released.push({ id, turn }))));
      expect(released.map((r) => r.id)).toEqual([0, 1, 2, 3, 4]);
      const turns = released.map((r) => r.turn);
      for (let i = 1; i < turns.length; i += 1) expect(turns[i]).toBeGreaterThan(turns[i - 1]);
    } finally {
      ticking = false;
      pressure.stop();
    }
  });
});
