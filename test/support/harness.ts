import { randomUUID } from "node:crypto";
import { GraphQLClient } from "graphql-request";
import mongoose from "mongoose";
import { type RunningApp, startApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import { apiKeyModel } from "../../src/auth/api-key.model";
import { ApiKeyService } from "../../src/auth/api-key.service";
import type { Role } from "../../src/auth/principal";

export interface TestApp {
  app: RunningApp;
  url: string;
  /** The database this app uses. */
  uri: string;
  /** graphql-request client that returns errors instead of throwing (errorPolicy "all"). */
  client: GraphQLClient;
  /** The server's log lines, parsed. */
  logs: Record<string, unknown>[];
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>>;
  stop(): Promise<void>;
}

export interface GqlResult<T> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions: Record<string, unknown> }[];
}

export function uniqueDatabaseUri(): string {
  const base = process.env.TEST_MONGODB_URI;
  if (!base) throw new Error("TEST_MONGODB_URI is not set: run the tests through jest's global setup");
  return `${base}/t_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
}

/** A real server on a random port over a fresh database (dropped on stop). */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  // An app in the test runner's process shares its event loop and its heap: jest's own work
  // (compiling a test file, the garbage of its clients) is no pressure of the app's, and a
  // collection of the runner's garbage that falls inside a new document's check would be charged
  // to the new-document budget (a test was refused a first-sight document that way). So neither
  // sheds here: shedding.test.ts and the bench run server processes of their own, with both.
  const config = loadConfig({
    MONGODB_URI: uniqueDatabaseUri(),
    PORT: "0",
    LOG_LEVEL: "info",
    SHED_EVENT_LOOP_DELAY_MS: "60000",
    NEW_DOCUMENT_WORK_MS: "0",
    ...env,
  });
  const uri = config.mongodbUri!;
  const logs: Record<string, unknown>[] = [];
  const app = await startApp(config, { logStream: { write: (line) => void logs.push(JSON.parse(line)) } });
  const client = new GraphQLClient(app.url, { errorPolicy: "all" });
  return {
    app,
    url: app.url,
    uri,
    client,
    logs,
    async gql(query, variables) {
      const res = await client.rawRequest<any>(query, variables);
      return res as unknown as GqlResult<any>;
    },
    async stop() {
      if (app.connection.readyState === 1) await app.connection.dropDatabase().catch(() => {});
      await app.stop();
    },
  };
}

/** A plain HTTP POST of a JSON body, for the cases graphql-request would not send. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** An API key of that role, made through the same service as `npm run apikey`. */
export async function createKey(t: TestApp, role: Role, name = `${role}-key`): Promise<{ id: string; key: string }> {
  return new ApiKeyService(apiKeyModel(t.app.connection)).create(name, role);
}

/**
 * An API key of that role in the database at `uri`, made through the same service as
 * `npm run apikey`: for servers in processes of their own, which a test cannot reach into.
 */
export async function createKeyAt(uri: string, name: string, role: Role = "reader"): Promise<string> {
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    return (await new ApiKeyService(apiKeyModel(connection)).create(name, role)).key;
  } finally {
    await connection.close();
  }
}

/** A graphql-request client that sends the key as a bearer token. */
export function clientWithKey(t: TestApp, key: string) {
  const client = new GraphQLClient(t.url, { errorPolicy: "all", headers: { authorization: `Bearer ${key}` } });
  return async <T = any>(query: string, variables?: Record<string, unknown>) =>
    (await client.rawRequest<T>(query, variables)) as unknown as GqlResult<T>;
}

/** Polls until the URL answers with that status (readiness is refreshed every second); returns the last status. */
export async function waitForStatus(url: string, status: number, timeoutMs = 5000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < deadline) {
    last = (await fetch(url)).status;
    if (last === status) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}
