import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { startServerProcess } from "../test/support/server-process";
import { pin } from "./pin";

/**
 * How long the fragment bomb of issue 21 takes to be refused (BENCH_ONLY=bombs), over each
 * transport, against a normal lookup over POST in the same run: 22 levels of fragments on
 * __Schema, each spreading the next twice (2^22 visits to graphql-js's validation, 15 s of a
 * blocked process before the limits read it). One request at a time, ROUNDS each, the API
 * pinned to core 0 and this process to core 1. Every answer is checked to be the refusal
 * (422 TOO_MANY_SELECTIONS; over graphql-ws the subscribe's error) before a figure is printed.
 */
const ROUNDS = Number(process.env.BENCH_BOMB_ROUNDS ?? 40);
const BOMB = (() => {
  const fragments = Array.from({ length: 22 }, (_, i) => `fragment F${i} on __Schema { ...F${i + 1} ...F${i + 1} }`);
  return `query Bomb { __schema { ...F0 } } ${fragments.join(" ")} fragment F22 on __Schema { queryType { name } }`;
})();
const NORMAL = "{ statusCode(code: 404) { code reasonPhrase } }";
const JSON_TYPE = { "content-type": "application/json", accept: "application/graphql-response+json" };

type Send = () => Promise<string>;

export async function bombsSection(databaseUri: string, databasePid: number) {
  // The share of CPU for new documents unbounded: a bomb is refused, so never known, and by
  // default its repeats are shed as new work (503) before they reach the check measured here.
  const api = await startServerProcess({ MONGODB_URI: databaseUri, RATE_LIMIT_BUDGET: "1000000000", NEW_DOCUMENT_WORK_MS: "0", LOG_LEVEL: "warn" });
  const pinned = pin(0, api.pid) && pin(1, process.pid) && pin(1, databasePid);
  const ws = await openSocket(api.url.replace("http", "ws"));
  try {
    const http = (init: RequestInit & { url?: string }): Send => async () => {
      const res = await fetch(init.url ?? api.url, init);
      const body = (await res.text()).trim();
      if (res.status === 200) return `200 ${(JSON.parse(body) as { data?: unknown }).data ? "data" : "none"}`;
      return `${res.status} ${(JSON.parse(body) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code}`;
    };
    const post = (query: string, accept?: string) => http({ method: "POST", headers: { ...JSON_TYPE, ...(accept ? { accept } : {}) }, body: JSON.stringify({ query }) });
    const refused = "422 TOO_MANY_SELECTIONS";
    const cases: [name: string, send: Send, expected: string][] = [
      ["baseline: a lookup over POST", post(NORMAL), "200 data"],
      ["the bomb over GET", http({ url: `${api.url}?${new URLSearchParams({ query: BOMB })}`, headers: { accept: JSON_TYPE.accept } }), refused],
      ["the bomb over POST", post(BOMB), refused],
      ["the bomb over SSE", post(BOMB, "text/event-stream"), refused],
      ["the bomb over multipart", post(BOMB, 'multipart/mixed;subscriptionSpec="1.0"'), refused],
      ["the bomb over graphql-ws", subscribe(ws, BOMB), "error TOO_MANY_SELECTIONS"],
    ];
    const rows: string[] = [];
    let baseline = 0;
    for (const [name, send, expected] of cases) {
      for (let i = 0; i < 5; i += 1) await send(); // warm-up
      const times: number[] = [];
      for (let i = 0; i < ROUNDS; i += 1) {
        const started = performance.now();
        const got = await send();
        times.push(performance.now() - started);
        if (got !== expected) throw new Error(`${name}: expected ${expected}, got ${got}`);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)];
      if (baseline === 0) baseline = median;
      rows.push(`| ${name} | ${ROUNDS} × ${expected} | ${median.toFixed(2)} | ${times[times.length - 1].toFixed(2)} | ${(median / baseline).toFixed(2)} |`);
    }
    console.log(`\n## The fragment bomb, refused (${pinned ? "API on core 0, client on core 1" : "not pinned: no taskset"})\n`);
    console.log("| request | answers (checked) | median ms | slowest ms | median ratio to the lookup |");
    console.log("|---|---|---|---|---|");
    for (const row of rows) console.log(row);
  } finally {
    ws.close();
    await api.stop();
  }
}

function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, "graphql-transport-ws");
    ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: {} })));
    ws.on("message", function ack(raw) {
      if (JSON.parse(String(raw)).type !== "connection_ack") return;
      ws.off("message", ack);
      resolve(ws);
    });
    ws.on("error", reject);
  });
}

/** One subscribe of `query` on an open graphql-ws socket, answered by its error or its first event. */
function subscribe(ws: WebSocket, query: string): Send {
  let next = 0;
  return () =>
    new Promise((resolve) => {
      const id = String((next += 1));
      const onMessage = (raw: WebSocket.RawData) => {
        const message = JSON.parse(String(raw));
        if (message.id !== id || (message.type !== "error" && message.type !== "next")) return;
        ws.off("message", onMessage);
        if (message.type === "next") ws.send(JSON.stringify({ id, type: "complete" }));
        resolve(message.type === "error" ? `error ${message.payload?.[0]?.extensions?.code}` : "next");
      };
      ws.on("message", onMessage);
      ws.send(JSON.stringify({ id, type: "subscribe", payload: { query } }));
    });
}
