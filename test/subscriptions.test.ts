import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { OperationTypeNode } from "graphql";
import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";
import { apiKeyModel } from "../src/auth/api-key.model";
import { ApiKeyService } from "../src/auth/api-key.service";
import { exampleTabs } from "../scripts/build-playground";
import { clientWithKey, createKey, startTestApp, type TestApp } from "./support/harness";

/** statusCodeChanged over graphql-ws: two API processes on one database, real WebSockets. */
let a: TestApp;
let b: TestApp;
beforeAll(async () => {
  a = await startTestApp({ MAX_SUBSCRIPTIONS_PER_CONNECTION: "2", MAX_CONNECTIONS_PER_ADDRESS: "6" });
  b = await startTestApp({ MONGODB_URI: a.uri, MAX_SUBSCRIPTIONS_PER_CONNECTION: "2", MAX_CONNECTIONS_PER_ADDRESS: "6" });
});
afterAll(async () => {
  await b.app.stop();
  await a.stop();
});

const wsUrl = (t: TestApp) => t.url.replace(/^http/, "ws");
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});

function connect(t: TestApp, authorization?: string): Client {
  const client = createClient({ url: wsUrl(t), webSocketImpl: WebSocket, connectionParams: authorization ? { authorization } : undefined, retryAttempts: 0, lazy: false, onNonLazyError: () => {} });
  clients.push(client);
  return client;
}

/** Subscribes and collects what arrives; `done` resolves on complete or error. */
function collect(client: Client, query: string) {
  const events: any[] = [];
  const errors: any[] = [];
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const stop = client.subscribe({ query }, {
    next: (value) => void events.push({ ...value, receivedAt: Date.now() }),
    error: (error) => {
      errors.push(error);
      resolveDone();
    },
    complete: () => resolveDone(),
  });
  return { events, errors, done, stop };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, ms = 15_000) {
  const start = Date.now();
  while (!check() && Date.now() - start < ms) await sleep(20);
}

const CHANGES = `subscription { statusCodeChanged(codes: [418]) { code kind version entry { id description updatedBy } } }`;

describe("When a client subscribes to statusCodeChanged", () => {
  test("then writes through either process reach subscribers on both, in version order, once each", async () => {
    const { key } = await createKey(a, "admin", "Ada");
    const onA = collect(connect(a), CHANGES);
    const onB = collect(connect(b), CHANGES);
    const other = collect(connect(b), `subscription { statusCodeChanged(codes: [404]) { code } }`);
    await sleep(200); // subscribed

    const v = (await a.gql<any>(`{ statusCode(code: 418) { version } }`)).data.statusCode.version;
    const write = async (t: TestApp, mutation: string) => {
      expect((await clientWithKey(t, key)(mutation)).errors).toBeUndefined();
    };
    await write(a, `mutation { updateStatusCode(code: 418, expectedVersion: ${v}, patch: { description: "Short." }) { version } }`);
    await write(b, `mutation { retireStatusCode(code: 418, expectedVersion: ${v + 1}, reason: "A joke.") { version } }`);
    await write(a, `mutation { restoreStatusCode(code: 418) { version } }`);

    await until(() => onA.events.length >= 3 && onB.events.length >= 3);
    await sleep(600); // nothing more may come: no duplicates after further polls
    const expected = [
      { code: 418, kind: "UPDATED", version: v + 1 },
      { code: 418, kind: "RETIRED", version: v + 2 },
      { code: 418, kind: "RESTORED", version: v + 3 },
    ];
    for (const seen of [onA.events, onB.events]) {
      expect(seen.map((e) => ({ code: e.data.statusCodeChanged.code, kind: e.data.statusCodeChanged.kind, version: e.data.statusCodeChanged.version }))).toEqual(expected);
    }
    // Anonymous subscribers see no author, as over HTTP.
    expect(onA.events[0].data.statusCodeChanged.entry).toMatchObject({ description: "Short.", updatedBy: null });
    expect(other.events).toEqual([]);
  });

  test("then a key in connectionParams is used, and a bad one closes the connection with 4403", async () => {
    const { key } = await createKey(a, "editor", "Eve");
    const withKey = collect(connect(a, `Bearer ${key}`), CHANGES);
    await sleep(200);
    const v = (await a.gql<any>(`{ statusCode(code: 418) { version } }`)).data.statusCode.version;
    const { key: admin } = await createKey(a, "admin", "Ada");
    await clientWithKey(a, admin)(`mutation { updateStatusCode(code: 418, expectedVersion: ${v}, patch: { description: "Tall." }) { version } }`);
    await until(() => withKey.events.length > 0);
    expect(withKey.events[0].data.statusCodeChanged.entry.updatedBy).toBe("Ada");

    const refused = collect(connect(a, "Bearer sg_wrong"), CHANGES);
    await refused.done;
    expect(refused.errors[0]).toMatchObject({ code: 4403 });
  });

  test("then a key revoked while its socket is open stops working there: the socket closes with 4403", async () => {
    const { id, key } = await createKey(a, "editor", "Rita");
    const listening = collect(connect(a, `Bearer ${key}`), CHANGES);
    const second = connect(a, `Bearer ${key}`);
    const alsoListening = collect(second, CHANGES);
    await sleep(300);
    expect(listening.errors).toEqual([]);

    expect(await new ApiKeyService(apiKeyModel(a.app.connection)).revoke(id)).toBe(true); // what `npm run apikey -- revoke` does
    // A subscribe sent right after the revocation is never admitted: refused at use, or its socket closed first.
    const late = collect(second, `subscription { statusCodeChanged(codes: [404]) { code } }`);
    await Promise.all([listening.done, alsoListening.done, late.done]);
    expect(listening.errors[0]).toMatchObject({ code: 4403 });
    expect(alsoListening.errors[0]).toMatchObject({ code: 4403 });
    expect(late.events).toEqual([]);
  });

  test("then a mutation sent over the socket is refused with METHOD_NOT_ALLOWED and does not run", async () => {
    const { key } = await createKey(a, "admin", "Ada");
    const before = (await a.gql<any>(`{ statusCode(code: 418) { version } }`)).data.statusCode.version;
    const write = collect(connect(a, `Bearer ${key}`), `mutation { updateStatusCode(code: 418, expectedVersion: ${before}, patch: { description: "Over the socket." }) { version } }`);
    await write.done;
    expect(write.events).toEqual([]);
    expect(write.errors[0][0].extensions).toMatchObject({ code: "METHOD_NOT_ALLOWED", httpStatus: 405 });
    expect((await a.gql<any>(`{ statusCode(code: 418) { version } }`)).data.statusCode.version).toBe(before);
  });

  test("then the same limits apply: a deep document is refused, and a third subscription on one connection too", async () => {
    const client = connect(a);
    const deep = collect(client, `subscription { statusCodeChanged { entry { related { related { related { related { related { related { related { related { related { code } } } } } } } } } } } }`);
    await deep.done;
    expect(deep.errors[0][0].extensions).toMatchObject({ code: "QUERY_TOO_DEEP", httpStatus: 422 });

    collect(client, CHANGES);
    collect(client, CHANGES);
    const third = collect(client, CHANGES);
    await third.done;
    expect(third.errors[0][0].extensions).toMatchObject({ code: "TOO_MANY_SUBSCRIPTIONS", httpStatus: 429 });
  });

  test("then variables that do not fit the operation get BAD_USER_INPUT, and the connection stays open", async () => {
    const client = connect(a);
    const alive = collect(client, `subscription Watch($codes: [Int!]) { statusCodeChanged(codes: $codes) { code } }`);
    const sent = new Promise<any>((resolve) => {
      const events: any[] = [];
      client.subscribe(
        { query: `subscription Watch($codes: [Int!]) { statusCodeChanged(codes: $codes) { code } }`, variables: { codes: ["not a code"] } },
        { next: (v) => void events.push(v), error: (e) => resolve(e), complete: () => resolve(events) },
      );
    });
    const refused = await sent;
    expect(refused[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", httpStatus: 422 });
    // The same connection still serves: the other subscription on it is alive and well.
    await sleep(100);
    expect(alive.errors).toEqual([]);
    alive.stop();
  });

  test("then one address cannot open more connections than allowed", async () => {
    const opened = await Promise.all(
      Array.from({ length: 7 }, () =>
        new Promise<number>((resolve) => {
          const socket = new WebSocket(wsUrl(a), "graphql-transport-ws");
          socket.on("error", () => {}); // the refused one never opens
          socket.once("open", () => resolve(101));
          socket.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
          setTimeout(() => socket.close(), 500);
        }),
      ),
    );
    expect(opened.filter((s) => s === 101)).toHaveLength(6);
    expect(opened.filter((s) => s === 429)).toHaveLength(1);
    await sleep(600); // closed again
  });
});

describe("When a client spends its budgets over WebSockets", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_BUDGET: "60", RATE_LIMIT_WINDOW_MS: "60000", AUTH_FAILURE_LIMIT: "3" });
  });
  afterAll(async () => {
    await t.stop();
  });

  test("then subscribing and completing in a loop spends the address's budget, until RATE_LIMITED, and HTTP from that address is refused too", async () => {
    const client = connect(t);
    let refusal: any;
    let admitted = 0;
    for (let i = 0; i < 100 && !refusal; i += 1) {
      const sub = collect(client, CHANGES);
      await until(() => sub.errors.length > 0, 150); // an admitted subscription waits for events
      if (sub.errors.length) refusal = sub.errors[0][0];
      else admitted += 1;
      sub.stop();
    }
    expect(refusal?.extensions).toMatchObject({ code: "RATE_LIMITED", httpStatus: 429 });
    expect(refusal.extensions.retryAfterSeconds).toBeGreaterThan(0);
    expect(admitted).toBeGreaterThan(2); // each paid 1 + its cost from a budget of 60
    expect(admitted).toBeLessThan(60);
    const http = await fetch(t.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ __typename }" }) });
    expect(http.status).toBe(429);
  });

  test("then guessed keys in connectionParams count as failed authentications: past the limit even a valid key is refused without a lookup", async () => {
    for (let i = 0; i < 3; i += 1) {
      const guess = collect(connect(t, `Bearer sg_guess-${i}`), CHANGES);
      await guess.done;
      expect(guess.errors[0]).toMatchObject({ code: 4403 });
    }
    const { key } = await createKey(t, "editor", "Eve");
    const blocked = collect(connect(t, `Bearer ${key}`), CHANGES);
    await blocked.done;
    expect(blocked.errors[0]).toMatchObject({ code: 4403 });
    // The same budget as HTTP: a key sent from this address now gets 429 before it is looked up.
    const http = await fetch(t.url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify({ query: "{ __typename }" }) });
    expect(http.status).toBe(429);
  });
});

describe("When clients connect through a trusted proxy", () => {
  test("then connections are counted per forwarded client address, not per proxy", async () => {
    const proxied = await startTestApp({ MONGODB_URI: a.uri, TRUST_PROXY: "1", MAX_CONNECTIONS_PER_ADDRESS: "2" });
    const open = (client: string) =>
      new Promise<{ status: number; socket: WebSocket }>((resolve) => {
        const socket = new WebSocket(wsUrl(proxied), "graphql-transport-ws", { headers: { "x-forwarded-for": client } });
        socket.on("error", () => {});
        socket.once("open", () => resolve({ status: 101, socket }));
        socket.once("unexpected-response", (_req, res) => resolve({ status: res.statusCode ?? 0, socket }));
      });
    try {
      const opened = [await open("203.0.113.1"), await open("203.0.113.1"), await open("203.0.113.2"), await open("203.0.113.1")];
      expect(opened.map((o) => o.status)).toEqual([101, 101, 101, 429]);
      opened.forEach((o) => o.socket.terminate());
    } finally {
      await proxied.app.stop();
    }
  });
});

describe("When an Apollo Client app uses GraphQLWsLink with split", () => {
  test("then an update pushed by the server changes the entry in its normalized cache", async () => {
    const ws = createClient({ url: wsUrl(b), webSocketImpl: WebSocket, retryAttempts: 0 });
    clients.push(ws);
    const link = ApolloLink.split(
      ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
      new GraphQLWsLink(ws),
      new HttpLink({ uri: b.url }),
    );
    const client = new ApolloClient({ link, cache: new InMemoryCache() });
    const read = await client.query({ query: gql`{ statusCode(code: 418) { id version description } }` });
    const entry = (read.data as { statusCode: { id: string; version: number } }).statusCode;

    const seen: unknown[] = [];
    const sub = client
      .subscribe({ query: gql`subscription { statusCodeChanged(codes: [418]) { version entry { id version description } } }` })
      .subscribe({ next: (r) => void seen.push(r.data) });
    await sleep(200);
    const { key } = await createKey(a, "admin", "Ada");
    await clientWithKey(a, key)(`mutation { updateStatusCode(code: 418, expectedVersion: ${entry.version}, patch: { description: "Pushed." }) { version } }`);
    await until(() => seen.length > 0);

    const cached = client.cache.readFragment<{ version: number; description: string }>({
      id: client.cache.identify({ __typename: "StatusCode", id: entry.id }),
      fragment: gql`fragment E on StatusCode { version description }`,
    });
    expect(cached).toEqual({ __typename: "StatusCode", version: entry.version + 1, description: "Pushed." });
    sub.unsubscribe();
    client.stop();
  });
});

describe("When the server shuts down", () => {
  test("then its subscribers are told (1001) and disconnected at once", async () => {
    const t = await startTestApp();
    const closed = new Promise<number>((resolve) => {
      const client = createClient({ url: wsUrl(t), webSocketImpl: WebSocket, retryAttempts: 0, on: { closed: (event) => resolve((event as { code: number }).code) } });
      client.subscribe({ query: CHANGES }, { next: () => {}, error: () => {}, complete: () => {} });
    });
    await sleep(200);
    await t.stop();
    expect(await closed).toBe(1001);
  });
});

describe("When a newcomer follows the README: its subscription, then its Create and Update with an editor key", () => {
  test("then the subscription hears both writes (an editor may make them)", async () => {
    const tabs = exampleTabs().map((t) => t.query);
    const find = (start: string) => tabs.find((q) => q.startsWith(start))!;
    const { key } = await createKey(a, "editor"); // what the README's `npm run apikey -- create --role editor` makes
    const heard = collect(connect(a), find("subscription WatchChanges"));
    await sleep(200);
    const editor = clientWithKey(a, key);
    for (const write of [find("mutation Create"), find("mutation Update")]) expect((await editor(write)).errors).toBeUndefined();
    await until(() => heard.events.length >= 2);
    expect(heard.errors).toEqual([]);
    expect(heard.events.map((e) => [e.data.statusCodeChanged.code, e.data.statusCodeChanged.kind])).toEqual([
      [490, "CREATED"],
      [490, "UPDATED"],
    ]);
  });
});
