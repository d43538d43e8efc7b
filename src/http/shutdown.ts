import type { FastifyInstance } from "fastify";

/**
 * The last step of a shutdown, once nothing new is admitted: Fastify's close() stops accepting
 * and waits for in-flight requests; the keep-alive sockets that fall idle once their last
 * request is answered would hold it open (for up to Fastify's 72 s keep-alive), and so would a
 * socket that never sent a request, so they are closed as they fall idle. Then Apollo stops,
 * and the connection bounds with it.
 */
export async function closeWhenIdle(app: FastifyInstance, apollo: { stop(): Promise<void> }, connections: { closeUnused(): void; stop(): void }): Promise<void> {
  const sweeper = setInterval(() => connections.closeUnused(), 100);
  try {
    await app.close();
    await apollo.stop();
  } finally {
    clearInterval(sweeper);
    connections.stop();
  }
}
