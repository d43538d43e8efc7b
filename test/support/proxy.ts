import { createServer, type Server } from "node:http";

export interface TestProxy {
  url: string;
  /** The replicas' /graphql URLs, in rotation; replace one when its process restarts elsewhere. */
  upstreams: string[];
  stop(): Promise<void>;
}

/**
 * A load balancer as tests need one: round robin over the upstreams, and a request that meets a
 * refused connection or a draining replica's 503 tried on the next one (as nginx's
 * proxy_next_upstream does in the compose profile). Enough for reads; it forwards bodies whole.
 */
export async function startProxy(upstreams: string[]): Promise<TestProxy> {
  let next = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const start = next++;
    for (let attempt = 0; attempt < upstreams.length * 2; attempt += 1) {
      // Each attempt on the next upstream in turn, from this request's own starting point.
      const target = upstreams[(start + attempt) % upstreams.length];
      if (attempt === upstreams.length) await new Promise((r) => setTimeout(r, 50)); // all failed once: a breath
      try {
        const answer = await fetch(new URL(req.url ?? "/", target), {
          method: req.method,
          headers: { "content-type": req.headers["content-type"] ?? "application/json", ...(req.headers.authorization && { authorization: req.headers.authorization }) },
          body,
        });
        if (answer.status === 503 && attempt < upstreams.length * 2 - 1) continue; // draining: the next one
        res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
        res.end(Buffer.from(await answer.arrayBuffer()));
        return;
      } catch {
        // refused or reset: the next one
      }
    }
    res.writeHead(502).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`,
    upstreams,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
