// An attacker in a process of its own (plain JavaScript, run with node), so that the flood's own
// work never delays the normal client the flood tests measure in the test process.
// Usage: node flood.js <mode> <json options>; prints one JSON line of results and exits.
//   history:    { port, addresses, keys, query, ms }  loops POSTs from each address until ms pass
//   subscribes: { port, addresses, messages }         one graphql-ws socket per address sending
//                                                     refused subscribes as fast as it may
//   distinct:   { port, addresses, ms }               loops POSTs of a new document each
//                                                     (`query Op_<random> { __typename }`)
//   trickle:    { port, addresses, perAddress }       connections that send a request's headers
//                                                     (every third) or body one piece every 500 ms;
//                                                     resolves with each one's status and lifetime
//   slowbodies: { port, range, everyMs, reconnectMs, ms } one connection per address sending
//                                                     a POST's headers at once, then its body one
//                                                     byte every everyMs; reconnects reconnectMs
//                                                     after it is closed, until ms pass. Prints
//                                                     counts (thousands of sockets: no list)
//   idle:       { port, addresses, perAddress, protocol, perSocket } subscriptions that only listen
//                                                     ("sse": a POST with Accept: text/event-stream;
//                                                     "ws": a graphql-ws socket with perSocket
//                                                     subscribes, default 1); prints
//                                                     {"open", "statuses"} once all are open, closes
//                                                     them all when stdin ends, then prints {"closed"}
//   hoard:      { port, range, perAddress, newcomer, ms } idle SSE subscriptions, perAddress from
//                                                     each address (the bench fills the server's cap
//                                                     with them); once all are open, one more from
//                                                     `newcomer`; all held for ms, then closed.
//                                                     Prints the statuses and the newcomer's
const { request } = require("node:http");
const WebSocket = require("ws");

const [mode, json] = process.argv.slice(2);
const options = JSON.parse(json);
// Thousands of addresses do not fit in one argument (128 KiB at most): a range of loopback
// addresses 127.<net>.y.z, z in 1..250, from the from-th on, stands for them.
if (options.range) {
  const { net, from, n } = options.range;
  options.addresses = Array.from({ length: n }, (_, i) => `127.${net}.${Math.floor((from + i) / 250)}.${((from + i) % 250) + 1}`);
}

function post(port, from, key, query) {
  return new Promise((resolve) => {
    const body = JSON.stringify({ query });
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/graphql",
        method: "POST",
        localAddress: from,
        headers: { "content-type": "application/json", ...(key && { authorization: `Bearer ${key}` }) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode, errors: text.includes('"errors"') }));
      },
    );
    req.on("error", () => resolve({ status: 0, errors: true }));
    req.end(body);
  });
}

async function history({ port, addresses, keys, query, ms }) {
  const deadline = Date.now() + ms;
  const answers = [];
  await Promise.all(
    addresses.map(async (from, i) => {
      while (Date.now() < deadline) answers.push(await post(port, from, keys?.[i], query));
    }),
  );
  return { answers: answers.length, statuses: count(answers.map((a) => a.status)), withErrors: answers.filter((a) => a.errors).length };
}

async function distinct({ port, addresses, ms }) {
  const deadline = Date.now() + ms;
  const answers = [];
  let n = 0;
  await Promise.all(
    addresses.map(async (from) => {
      while (Date.now() < deadline) answers.push(await post(port, from, undefined, `query Op_${process.pid}_${(n += 1)} { __typename }`));
    }),
  );
  return { answers: answers.length, statuses: count(answers.map((a) => a.status)) };
}

async function subscribes({ port, addresses, messages }) {
  return Promise.all(
    addresses.map(
      (from) =>
        new Promise((resolve, reject) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, "graphql-transport-ws", { localAddress: from });
          const codes = {};
          ws.once("error", reject);
          ws.once("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: {} })));
          ws.on("message", (data) => {
            const message = JSON.parse(String(data));
            if (message.type === "connection_ack") return send(ws, messages);
            const code = message.payload?.[0]?.extensions?.code ?? message.type;
            codes[code] = (codes[code] ?? 0) + 1;
          });
          ws.once("close", (close) => resolve({ from, codes, close }));
        }),
    ),
  );
}

async function send(ws, messages) {
  for (let i = 0; i < messages && ws.readyState === WebSocket.OPEN; i += 1) {
    ws.send(JSON.stringify({ id: String(i), type: "subscribe", payload: { query: `subscription { nope${i} }` } }));
    // As a real sender would: wait while the socket's buffer is full.
    while (ws.bufferedAmount > 1 << 20 && ws.readyState === WebSocket.OPEN) await new Promise((r) => setTimeout(r, 5));
  }
}

function trickle({ port, addresses, perAddress }) {
  const { connect } = require("node:net");
  const one = (from, headersOnly) =>
    new Promise((resolve) => {
      const socket = connect({ host: "127.0.0.1", port, localAddress: from });
      const opened = Date.now();
      let received = "";
      socket.on("data", (d) => (received += d));
      socket.on("error", () => {});
      socket.write(headersOnly ? "POST /graphql HTTP/1.1\r\nHost: x\r\n" : "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{");
      const timer = setInterval(() => socket.writable && socket.write(headersOnly ? "X-A: b\r\n" : " "), 500);
      socket.once("close", () => {
        clearInterval(timer);
        const status = Number(/^HTTP\/1\.1 (\d+)/.exec(received)?.[1] ?? 0);
        resolve({ status, after: Date.now() - opened, body: received.split("\r\n\r\n")[1] ?? "" });
      });
    });
  return Promise.all(addresses.flatMap((from) => Array.from({ length: perAddress }, (_, i) => one(from, i % 3 === 0))));
}

async function slowbodies({ port, addresses, everyMs, reconnectMs, ms }) {
  const { connect } = require("node:net");
  const sleep = (t) => new Promise((r) => setTimeout(r, t));
  const deadline = Date.now() + ms;
  const statuses = {};
  const live = new Set();
  const reached = new Uint8Array(addresses.length);
  let connections = 0;
  let open = 0;
  let peakOpen = 0;
  let over = false;
  const one = (from, i) =>
    new Promise((resolve) => {
      const socket = connect({ host: "127.0.0.1", port, localAddress: from });
      live.add(socket);
      let received = "";
      let connected = false;
      let timer;
      socket.once("connect", () => {
        connected = true;
        connections += 1;
        reached[i] = 1;
        open += 1;
        peakOpen = Math.max(peakOpen, open);
        socket.write("POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{");
        timer = setInterval(() => socket.writable && socket.write(" "), everyMs);
      });
      socket.on("data", (d) => received.length < 64 && (received += d));
      socket.on("error", () => {});
      socket.once("close", () => {
        clearInterval(timer);
        live.delete(socket);
        if (connected) open -= 1;
        // Closed by ourselves at the end: not an outcome of the flood.
        if (!over) {
          const status = /^HTTP\/1\.1 (\d+)/.exec(received)?.[1] ?? (connected ? "closed unanswered" : "connect failed");
          statuses[status] = (statuses[status] ?? 0) + 1;
        }
        resolve();
      });
    });
  const end = setTimeout(() => {
    over = true;
    for (const socket of live) socket.destroy();
  }, ms);
  await Promise.all(
    addresses.map(async (from, i) => {
      await sleep(Math.random() * 2000); // the first connections spread over 2 s
      while (Date.now() < deadline) {
        await one(from, i);
        if (Date.now() < deadline) await sleep(reconnectMs);
      }
    }),
  );
  clearTimeout(end);
  return { connections, addressesReached: reached.reduce((a, b) => a + b, 0), peakOpen, statuses };
}

const LISTEN = "subscription { statusCodeChanged(codes: [490]) { code kind version } }";

/** One idle subscription from `from`: resolves with its status and a function that closes it. */
function listen(port, from, protocol, perSocket = 1) {
  return new Promise((resolve) => {
    if (protocol === "ws") {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, "graphql-transport-ws", { localAddress: from });
      const close = () => new Promise((done) => (ws.readyState === WebSocket.CLOSED ? done() : (ws.once("close", done), ws.close())));
      ws.on("error", () => {});
      ws.once("unexpected-response", (_req, res) => resolve({ status: res.statusCode, close: async () => ws.terminate() }));
      ws.once("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: {} })));
      ws.once("message", () => {
        for (let id = 1; id <= perSocket; id += 1) ws.send(JSON.stringify({ id: String(id), type: "subscribe", payload: { query: LISTEN } }));
        // Read by the server once it answers a ping sent after it (it is then admitted in its turn).
        ws.once("pong", () => resolve({ status: 101, close }));
        ws.ping();
      });
      return;
    }
    const body = JSON.stringify({ query: LISTEN });
    const req = request({ host: "127.0.0.1", port, path: "/graphql", method: "POST", localAddress: from, agent: false, headers: { "content-type": "application/json", accept: "text/event-stream" } }, (res) => {
      const close = () => new Promise((done) => (res.destroyed ? done() : (res.once("close", done), req.destroy())));
      res.once("data", () => resolve({ status: res.statusCode, close }));
      res.once("end", () => resolve({ status: res.statusCode, close }));
      res.resume();
    });
    req.on("error", () => resolve({ status: 0, close: async () => {} }));
    req.end(body);
  });
}

async function idle({ port, addresses, perAddress, protocol, perSocket }) {
  const held = [];
  for (const from of addresses) for (let i = 0; i < perAddress; i += 1) held.push(await listen(port, from, protocol, perSocket));
  process.stdout.write(`${JSON.stringify({ open: held.filter((h) => h.status === 200 || h.status === 101).length, statuses: count(held.map((h) => h.status)) })}\n`);
  await new Promise((done) => {
    process.stdin.resume();
    process.stdin.once("end", done);
  });
  await Promise.all(held.map((h) => h.close()));
  return { closed: held.length };
}

async function hoard({ port, addresses, perAddress, newcomer, ms }) {
  const held = [];
  for (const from of addresses) for (let i = 0; i < perAddress; i += 1) held.push(await listen(port, from, "sse"));
  const late = await listen(port, newcomer, "sse");
  await new Promise((done) => setTimeout(done, ms));
  await Promise.all([...held, late].map((h) => h.close()));
  return { statuses: count(held.map((h) => h.status)), newcomer: late.status };
}

function count(values) {
  const counts = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

({ history, distinct, subscribes, trickle, slowbodies, idle, hoard })[mode](options).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
