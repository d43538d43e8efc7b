import { type ExecutionResult, GraphQLInt, GraphQLObjectType, GraphQLSchema, parse } from "graphql";
import { type Client, createClient as createWsClient } from "graphql-ws";
import { createClient as createSseClient } from "graphql-sse";
import WebSocket from "ws";
import { SubscriberNotReading } from "../src/catalogue/catalogue-events";
import { ExecutionFellBehind, SharedSubscriptions, type Subscribed } from "../src/graphql/shared-subscriptions";
import { clientWithKey, createKey, startTestApp, type TestApp } from "./support/harness";

/**
 * Subscribers that ask for the same thing (document, variables, API key) share one execution
 * (src/graphql/shared-subscriptions.ts), whatever carries them: SSE and graphql-ws alike. Each
 * still gets every event its own subscription would have, and nothing of another's: other
 * variables, or another key (whose answers differ: `updatedBy` is hidden from anonymous callers),
 * run executions of their own. The execution ends with its last subscriber.
 */
const TOKEN = "metrics-token-for-the-shared-subscriptions-test";
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ METRICS_TOKEN: TOKEN });
});
afterAll(() => t.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean | Promise<boolean>, ms = 10_000) {
  const start = Date.now();
  while (!(await check()) && Date.now() - start < ms) await sleep(20);
}

async function gauges(): Promise<{ subscribers: number; executions: number }> {
  const text = await (await fetch(`${t.url.replace(/\/graphql$/, "")}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\d+)`, "m").exec(text)?.[1]);
  return { subscribers: value("statusgraph_subscriptions_active"), executions: value("statusgraph_subscription_executions") };
}

const WATCH = "subscription Watch($codes: [Int!]) { statusCodeChanged(codes: $codes) { code version entry { updatedBy } } }";
type Change = { statusCodeChanged: { code: number; version: number; entry: { updatedBy: string | null } } };

interface Watcher {
  got: Change["statusCodeChanged"][];
  errors: unknown[];
  stop(): void;
}

function watch(subscribe: Client["subscribe"] | ReturnType<typeof createSseClient>["subscribe"], codes: number[]): Watcher {
  const watcher: Watcher = { got: [], errors: [], stop: () => {} };
  watcher.stop = (subscribe as Client["subscribe"])<Change>({ query: WATCH, variables: { codes } }, {
    next: (r) => (r.errors ? watcher.errors.push(r.errors) : watcher.got.push(r.data!.statusCodeChanged)),
    error: (e) => watcher.errors.push(e),
    complete: () => {},
  });
  return watcher;
}

describe("When subscribers ask for the same subscription", () => {
  const clients: { dispose(): unknown }[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
  });
  const sse = (authorization?: string) => {
    const client = createSseClient({ url: t.url, retryAttempts: 0, headers: authorization ? { authorization } : {} });
    clients.push(client);
    return client.subscribe.bind(client);
  };
  const ws = (authorization?: string) => {
    const client = createWsClient({ url: t.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, connectionParams: authorization ? { authorization } : undefined, retryAttempts: 0 });
    clients.push(client);
    return client.subscribe.bind(client);
  };

  test("then they share one execution across transports, each gets every event, and other variables or another key run their own", async () => {
    const { key: writerKey } = await createKey(t, "admin", "Writer");
    const { key: readerKey } = await createKey(t, "reader", "Keyed reader");
    const write = clientWithKey(t, writerKey);

    // Five anonymous subscribers to 418 (three over SSE, two over graphql-ws), one to 451, one keyed to 418.
    const anonymous = [watch(sse(), [418]), watch(sse(), [418]), watch(sse(), [418]), watch(ws(), [418]), watch(ws(), [418])];
    const other = watch(sse(), [451]);
    const keyed = watch(ws(`Bearer ${readerKey}`), [418]);
    await until(async () => (await gauges()).subscribers === 7);
    expect(await gauges()).toEqual({ subscribers: 7, executions: 3 });

    const update = async (code: number, description: string) => {
      const { version } = (await t.gql<any>(`{ statusCode(code: ${code}) { version } }`)).data!.statusCode;
      const done = await write(`mutation { updateStatusCode(code: ${code}, expectedVersion: ${version}, patch: { description: "${description}" }) { version } }`);
      expect(done.errors).toBeUndefined();
      return done.data.updateStatusCode.version as number;
    };

    const first = await update(418, "Shared once.");
    await until(() => [...anonymous, keyed].every((w) => w.got.length === 1));
    for (const w of anonymous) expect(w.got).toEqual([{ code: 418, version: first, entry: { updatedBy: null } }]);
    // The keyed subscriber's execution is its own: it is told who wrote.
    expect(keyed.got).toEqual([{ code: 418, version: first, entry: { updatedBy: "Writer" } }]);
    expect(other.got).toEqual([]);

    // One subscriber leaving ends nothing for the others.
    anonymous[0].stop();
    anonymous[3].stop();
    await until(async () => (await gauges()).subscribers === 5);
    expect(await gauges()).toEqual({ subscribers: 5, executions: 3 });
    const second = await update(418, "Shared twice.");
    const elsewhere = await update(451, "Its own execution.");
    const staying = [anonymous[1], anonymous[2], anonymous[4]];
    await until(() => staying.every((w) => w.got.length === 2) && other.got.length === 1);
    for (const w of staying) expect(w.got.map((c) => c.version)).toEqual([first, second]);
    expect(anonymous[0].got).toHaveLength(1);
    expect(other.got).toEqual([{ code: 451, version: elsewhere, entry: { updatedBy: null } }]);
    for (const w of [...anonymous, other, keyed]) expect(w.errors).toEqual([]);

    // The last subscriber of each gone, so is its execution.
    for (const w of [...staying, other, keyed]) w.stop();
    await until(async () => (await gauges()).executions === 0);
    expect(await gauges()).toEqual({ subscribers: 0, executions: 0 });
  });
});

describe("When a shared execution's subscribers fall behind, leave, or its source fails (SharedSubscriptions, over graphql-js)", () => {
  // A schema whose one subscription field reads a source this test drives.
  const sources: { push(n: number): void; fail(error: unknown): void; returned: boolean }[] = [];
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: "Query", fields: { ok: { type: GraphQLInt } } }),
    subscription: new GraphQLObjectType({
      name: "Subscription",
      fields: {
        n: {
          type: GraphQLInt,
          resolve: (n: number) => n,
          subscribe: () => {
            const waiting: ((r: IteratorResult<number>) => void)[] = [];
            const failing: ((e: unknown) => void)[] = [];
            const queued: number[] = [];
            const source = {
              returned: false,
              push: (n: number) => (waiting.length ? (failing.shift(), waiting.shift()!({ value: n, done: false })) : queued.push(n)),
              fail: (error: unknown) => (waiting.shift(), failing.shift()?.(error)),
            };
            sources.push(source);
            return {
              next: () => (queued.length ? Promise.resolve({ value: queued.shift()!, done: false }) : new Promise((resolve, reject) => (waiting.push(resolve), failing.push(reject)))),
              return: () => ((source.returned = true), waiting.shift()?.({ value: undefined, done: true }), Promise.resolve({ value: undefined, done: true })),
              [Symbol.asyncIterator]() {
                return this;
              },
            };
          },
        },
      },
    }),
  });
  const document = parse("subscription { n }");
  const args = (keyId?: string) => ({ schema, document, contextValue: { principal: keyId ? { keyId, name: keyId, role: "reader" } : null, request: { id: "r", operation: {}, errorCodes: [] } } });
  const read = async (iterator: Subscribed, count: number) => {
    const got: unknown[] = [];
    for (let i = 0; i < count; i += 1) got.push((await iterator.next()).value?.data?.n);
    return got;
  };
  const flush = () => new Promise((r) => setImmediate(r));

  test("then one that stops reading is cut off alone, a failing source tells every subscriber to resubscribe, and the last to leave ends the execution", async () => {
    const shared = new SharedSubscriptions(3);
    const [a, b, c] = (await Promise.all([shared.subscribe(args()), shared.subscribe(args()), shared.subscribe(args())])) as Subscribed[];
    const keyed = (await shared.subscribe(args("k1"))) as Subscribed;
    expect([shared.size, shared.subscribers, sources.length]).toEqual([2, 4, 2]);
    const [anonymous, ofKey] = sources;

    // b reads nothing: past 3 results waiting it is cut off, a and c read on.
    for (let n = 1; n <= 5; n += 1) {
      anonymous.push(n);
      await flush();
      expect(await read(a, 1)).toEqual([n]);
      expect(await read(c, 1)).toEqual([n]);
    }
    await expect(b.next()).rejects.toBeInstanceOf(SubscriberNotReading);
    expect(await b.next()).toEqual({ value: undefined, done: true });
    expect(shared.subscribers).toBe(3);

    // c leaves: a still gets the next; then a leaves, and the source is returned.
    await c.return();
    anonymous.push(6);
    await flush();
    expect(await read(a, 1)).toEqual([6]);
    expect(anonymous.returned).toBe(false);
    await a.return();
    await flush();
    expect(anonymous.returned).toBe(true);
    expect([shared.size, shared.subscribers]).toEqual([1, 1]);

    // The keyed execution's source falls behind: its subscriber is told to resubscribe, not that it did not read.
    const next = keyed.next();
    ofKey.fail(new SubscriberNotReading());
    await expect(next).rejects.toBeInstanceOf(ExecutionFellBehind);
    await flush();
    expect([shared.size, shared.subscribers]).toEqual([0, 0]);
    // A new subscriber starts an execution of its own.
    const later = (await shared.subscribe(args("k1"))) as Subscribed;
    expect([shared.size, sources.length]).toEqual([1, 3]);
    await later.return();
  });

  test("then a subscription that cannot start answers every subscriber that asked with its errors, and keeps nothing", async () => {
    const shared = new SharedSubscriptions(3);
    const bad = { ...args(), document: parse("subscription ($x: Int!) { n }") }; // $x missing
    const answers = await Promise.all([shared.subscribe(bad), shared.subscribe(bad)]);
    for (const answer of answers) expect((answer as ExecutionResult).errors?.[0]?.message).toMatch(/\$x/);
    expect([shared.size, shared.subscribers]).toEqual([0, 0]);
  });
});
