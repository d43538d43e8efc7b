import { rmSync } from "node:fs";
import type { EmbeddedServer } from "../../src/db/embedded-server";

export default async function globalTeardown() {
  const db = (globalThis as Record<string, unknown>).__testDatabase as { server: EmbeddedServer; dataDir: string } | undefined;
  if (!db) return;
  await db.server.stop();
  rmSync(db.dataDir, { recursive: true, force: true });
}
