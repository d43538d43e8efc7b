import { LIMITER_ENTRY_BYTES } from "../src/http/rate-limit";
import { startTestApp, type TestApp } from "./support/harness";

/**
 * The rate limiter's per-address state is bounded in bytes (issue 25, item 4): past
 * RATE_LIMIT_MEMORY_BYTES, addresses it does not hold share one overflow budget; no entry is
 * dropped before its window ends, so no client gets back a budget it spent. Clients come
 * through a trusted proxy, one X-Forwarded-For address each.
 */
const MEMORY_BYTES = 16 * 1024;
const ENTRIES = Math.floor(MEMORY_BYTES / LIMITER_ENTRY_BYTES);
const BUDGET = 5;
/** The limiter's memory alone: held refusals (shedding.test.ts) would make the hundreds of 429s below a second each. */
const NO_HOLD = { REFUSAL_HOLD_MS: "0" };

let apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ask(t: TestApp, address: string): Promise<{ status: number; remaining: number }> {
  const response = await fetch(t.url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": address },
    body: JSON.stringify({ query: "{ __typename }" }),
  });
  await response.arrayBuffer();
  return { status: response.status, remaining: Number(response.headers.get("x-ratelimit-remaining")) };
}

const addressOf = (i: number) => `10.1.${i >> 8}.${i & 255}`;

describe("When more addresses come in one window than the limiter's memory holds", () => {
  test("then an early address stays at its spent budget, and the addresses past the bound share one budget", async () => {
    const t = await startTestApp({ ...NO_HOLD, TRUST_PROXY: "1", RATE_LIMIT_BUDGET: String(BUDGET), RATE_LIMIT_MEMORY_BYTES: String(MEMORY_BYTES), LOG_LEVEL: "warn" });
    apps.push(t);
    const early = "192.0.2.1";
    let spent = await ask(t, early);
    while (spent.status === 200) spent = await ask(t, early);
    expect(spent.status).toBe(429);

    const others = [];
    for (let i = 0; i < ENTRIES * 3; i += 1) others.push(await ask(t, addressOf(i)));
    const answered = others.filter((o) => o.status === 200).length;
    // Up to the bound each address has a budget of its own; past it they share one budget.
    expect(answered).toBeGreaterThanOrEqual(ENTRIES - 2);
    expect(answered).toBeLessThanOrEqual(ENTRIES + BUDGET);
    expect(others.slice(-ENTRIES).every((o) => o.status === 429)).toBe(true);
    // The early address was not forgotten to make room: still refused.
    expect((await ask(t, early)).status).toBe(429);
    // Nor was an address held within the bound.
    expect((await ask(t, addressOf(0))).remaining).toBeLessThan(BUDGET - 1);
  });

  test("then once their window has ended, the entries are gone and a new address has a budget of its own", async () => {
    const t = await startTestApp({
      ...NO_HOLD,
      TRUST_PROXY: "1",
      RATE_LIMIT_BUDGET: String(BUDGET),
      RATE_LIMIT_WINDOW_MS: "1000",
      RATE_LIMIT_MEMORY_BYTES: String(MEMORY_BYTES),
      LOG_LEVEL: "warn",
    });
    apps.push(t);
    for (let i = 0; i < ENTRIES * 2; i += 1) await ask(t, addressOf(i));
    await sleep(1500);
    expect(await ask(t, "192.0.2.99")).toEqual({ status: 200, remaining: BUDGET - 1 });
  });
});
