import { createClient } from "graphql-sse";
import { clientWithKey, createKey, postJson, startTestApp, type TestApp } from "./support/harness";

/**
 * Issue 27, part 5, over real HTTP: every limit refusal names the limit and the value
 * received; an operation that cannot be resolved costs only its arrival unit; a rollback is one
 * word in its event and its history.
 */
let t: TestApp;
beforeAll(async () => (t = await startTestApp({ LOG_LEVEL: "silent" })));
afterAll(() => t.stop());

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("When a request is over a limit of the HTTP layer, the refusal names the limit and what was received", () => {
  test("then a body of 1,100,000 bytes is a 413 naming the 1 MiB BODY_LIMIT_BYTES and its size", async () => {
    const body = JSON.stringify({ query: `{ __typename } # ${"x".repeat(1_100_000 - 30)}` });
    const res = await postJson(t.url, body);
    expect(res.status).toBe(413);
    const [error] = res.body.errors;
    expect(error.message).toBe(`The request body is ${Buffer.byteLength(body)} bytes, over the limit of 1 MiB (BODY_LIMIT_BYTES=1048576)`);
    expect(error.extensions).toMatchObject({ code: "PAYLOAD_TOO_LARGE", httpStatus: 413, limit: MiB, received: Buffer.byteLength(body) });
  });

  test("then a chunked body (no Content-Length) is refused once past the limit, naming the limit", async () => {
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 24) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(t.url, { method: "POST", headers: { "content-type": "application/json" }, body: stream, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
    const [error] = ((await res.json()) as any).errors;
    expect(error.message).toBe("The request body is over the limit of 1 MiB (BODY_LIMIT_BYTES=1048576)");
    expect(error.extensions).toMatchObject({ code: "PAYLOAD_TOO_LARGE", limit: MiB });
    expect(error.extensions.received).toBeUndefined();
  });

  test("then a URL of 9,000 bytes is a 414 naming the 8 KiB MAX_URL_BYTES and its length", async () => {
    const url = `${t.url}?query=${"x".repeat(9000 - t.url.length - 7)}`;
    const received = Buffer.byteLength(new URL(url).pathname + new URL(url).search);
    const res = await fetch(url);
    expect(res.status).toBe(414);
    const [error] = ((await res.json()) as any).errors;
    expect(error.message).toBe(`The URL is ${received} bytes, over the limit of 8 KiB (MAX_URL_BYTES=8192): send the query in a POST body`);
    expect(error.extensions).toMatchObject({ code: "URI_TOO_LONG", httpStatus: 414, limit: 8192, received });
  });

  test("then a text/plain body is a 415 naming the type received and the types accepted", async () => {
    const res = await fetch(t.url, { method: "POST", headers: { "content-type": "text/plain" }, body: '{"query":"{ __typename }"}' });
    expect(res.status).toBe(415);
    const [error] = ((await res.json()) as any).errors;
    expect(error.message).toBe("Content-Type text/plain is not accepted: send application/json");
    expect(error.extensions).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE", httpStatus: 415, accepted: ["application/json"], received: "text/plain" });
    const form = await fetch(t.url, { method: "POST", body: new URLSearchParams({ query: "{ __typename }" }) });
    expect(form.status).toBe(415);
    expect(((await form.json()) as any).errors[0].extensions.received).toMatch(/^application\/x-www-form-urlencoded/);
  });
});

describe("When an argument is out of its range, the error names the range and the value received", () => {
  test("then `first: 101` names the maximum page size, 100", async () => {
    const res = await t.gql(`{ statusCodes(first: 101) { totalCount } }`);
    const [error] = res.errors!;
    expect(error.message).toBe("Invalid argument: first is 101, outside 0–100");
    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", invalidArgs: [{ field: "first", constraints: ["max"], limits: { min: 0, max: 100 }, received: 101 }] });
  });

  test("then `statusCode(code: 999)` names the valid range, 100–599", async () => {
    const res = await t.gql(`{ statusCode(code: 999) { code } }`);
    const [error] = res.errors!;
    expect(error.message).toBe("Invalid argument: code is 999, outside 100–599");
    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", invalidArgs: [{ field: "code", constraints: ["max"], limits: { min: 100, max: 599 }, received: 999 }] });
  });

  test("then a text over its length is named by its length, never its value", async () => {
    const res = await t.gql(`{ statusCodes(filter: { search: "${"y".repeat(150)}" }) { totalCount } }`);
    const [error] = res.errors!;
    expect(error.message).toBe("Invalid argument: filter.search is 150 long, over the maximum of 100");
    expect(error.extensions.invalidArgs).toEqual([{ field: "filter.search", constraints: ["maxLength"], limits: { maxLength: 100 }, receivedLength: 150 }]);
    expect(JSON.stringify(res.errors)).not.toContain("yyyy");
  });
});

describe("When a document's operation cannot be resolved (several operations, no operationName)", () => {
  test("then OPERATION_RESOLUTION_FAILURE costs only the arrival unit and reports no cost", async () => {
    const remaining = (res: { headers: Headers }) => Number(res.headers.get("x-ratelimit-remaining"));
    const before = await postJson(t.url, { query: "{ __typename }" });
    const failed = await postJson(t.url, { query: "query A { errorCodes { code httpStatus description } } query B { statusCodes(first: 100) { edges { node { code description } } } }" });
    const after = await postJson(t.url, { query: "{ __typename }" });
    expect(failed.body.errors[0].extensions.code).toBe("OPERATION_RESOLUTION_FAILURE");
    expect(failed.body.extensions?.cost).toBeUndefined();
    const afterCost = after.body.extensions.cost.requestedQueryCost;
    // Between the two readings: the failure's arrival unit, then the last request's unit and cost.
    expect(remaining(before) - remaining(after)).toBe(1 + 1 + afterCost);
  });
});

describe("When a curator rolls an entry back to an earlier version", () => {
  test("then its event and its history use one word: RESTORED and RESTORE (and a rollback that retires, RETIRED and RETIRE)", async () => {
    const { key } = await createKey(t, "editor");
    const write = clientWithKey(t, key);
    const client = createClient({ url: t.url, retryAttempts: 0 });
    const kinds: [string, number][] = [];
    const stop = client.subscribe<any>(
      { query: "subscription { statusCodeChanged(codes: [491]) { kind version entry { popularity } } }" },
      { next: (r) => kinds.push([r.data.statusCodeChanged.kind, r.data.statusCodeChanged.version]), error: () => {}, complete: () => {} },
    );
    try {
      await sleep(300); // subscribed
      const ok = async (mutation: string) => expect((await write(mutation)).errors).toBeUndefined();
      await ok(`mutation { createStatusCode(input: { code: 491, reasonPhrase: "Rolled", description: "A rollback test.", specification: { document: "Test", url: "https://example.com/491" } }) { version } }`);
      await ok(`mutation { updateStatusCode(code: 491, expectedVersion: 1, patch: { popularity: LESS_POPULAR }) { version } }`);
      await ok(`mutation { restoreStatusCode(code: 491, toVersion: 1) { version popularity } }`);
      await ok(`mutation { retireStatusCode(code: 491, expectedVersion: 3, reason: "Test") { version } }`);
      await ok(`mutation { restoreStatusCode(code: 491) { version } }`);
      await ok(`mutation { restoreStatusCode(code: 491, toVersion: 4) { version } }`);
      const deadline = Date.now() + 3000;
      while (kinds.length < 6 && Date.now() < deadline) await sleep(20);
      expect(kinds).toEqual([
        ["CREATED", 1],
        ["UPDATED", 2],
        ["RESTORED", 3], // the rollback: UPDATED before
        ["RETIRED", 4],
        ["RESTORED", 5],
        ["RETIRED", 6], // a rollback to the retired version 4: RESTORE in its history before
      ]);
      const history = await t.gql<any>(`{ statusCode(code: 491) { code } }`);
      expect(history.errors?.[0].extensions.code).toBe("GONE");
      const revisions = await write(`{ statusCodes(filter: { codeRange: { from: 491, to: 491 }, includeRetired: true }) { edges { node { history(first: 10) { edges { node { version action } } } } } } }`);
      const actions = (revisions.data as any).statusCodes.edges[0].node.history.edges.map((e: any) => [e.node.action, e.node.version]).reverse();
      expect(actions).toEqual([
        ["CREATE", 1],
        ["UPDATE", 2],
        ["RESTORE", 3],
        ["RETIRE", 4],
        ["RESTORE", 5],
        ["RETIRE", 6],
      ]);
    } finally {
      stop();
      client.dispose();
    }
  });
});
