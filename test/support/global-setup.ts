import "reflect-metadata";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedServer } from "../../src/db/embedded-server";

/**
 * One real MongoDB-compatible server for the whole run, found the same way `npm start` finds
 * one (mongod on PATH, else FerretDB). Each test file then uses its own throwaway database.
 */
export default async function globalSetup() {
  if (process.env.TEST_MONGODB_URI) return; // e.g. a real MongoDB supplied by the caller
  const dataDir = mkdtempSync(join(tmpdir(), "statusgraph-test-"));
  const server = await startEmbeddedServer({
    dataDir,
    databaseName: "unused",
    ferretdbBin: process.env.FERRETDB_BIN,
    log: (line) => console.error(line),
  });
  process.env.TEST_MONGODB_URI = server.uri.replace(/\/unused$/, "");
  (globalThis as Record<string, unknown>).__testDatabase = { server, dataDir };
}
