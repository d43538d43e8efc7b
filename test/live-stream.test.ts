import { createServer, type ServerResponse } from "node:http";
import { connect } from "node:net";
import { SSE } from "../src/http/streams/framing";
import { type EndReason, LiveStream, type UnreadBounds } from "../src/http/streams/live-stream";

/**
 * A stream whose client left before the stream began listening for its response's close: the
 * time between a subscription's arrival and its stream is the admission's (a key looked up in
 * the database, a new document's turn of its own) and the subscribe's, and a client may vanish
 * in it. In this process, over a real socket: a plain Node server whose handler waits until the
 * client has gone, then starts the stream on the closed response, as the transport would.
 */
describe("When a stream starts on a response whose client has already gone", () => {
  test("then it ends at once as 'client closed': its source is returned and its end reported (slot, listener and count given back)", async () => {
    let gone: (response: ServerResponse) => void = () => {};
    const closedResponse = new Promise<ServerResponse>((resolve) => (gone = resolve));
    const server = createServer((_request, response) => response.once("close", () => gone(response)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const client = connect({ host: "127.0.0.1", port }, () => client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n", () => client.destroy()));
      client.on("error", () => {});
      const response = await closedResponse;
      expect(response.destroyed).toBe(true);

      // An idle subscription's source: no event ever comes; returning it is what frees its listener.
      let returned = false;
      const results = {
        next: () => new Promise<IteratorResult<never>>(() => {}),
        return: async () => {
          returned = true;
          return { value: undefined, done: true as const };
        },
        throw: async (error: unknown) => Promise.reject(error),
        [Symbol.asyncIterator]() {
          return this;
        },
      } as unknown as AsyncGenerator<never>;
      const open = new Set<LiveStream>();
      const unread: UnreadBounds = { perStream: 1 << 20, total: 1 << 26, unsent: { bytes: 0 }, open };
      const ends: EndReason[] = [];
      const stream: LiveStream = new LiveStream(response, SSE, results, unread, (reason) => {
        open.delete(stream);
        ends.push(reason);
      });
      open.add(stream);
      void stream.pump();
      await new Promise((r) => setTimeout(r, 50));
      expect(ends).toEqual(["client closed"]);
      expect(returned).toBe(true);
      expect(open.size).toBe(0);
      expect(unread.unsent.bytes).toBe(0);
    } finally {
      server.close();
    }
  });
});
