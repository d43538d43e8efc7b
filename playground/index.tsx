import { createGraphiQLFetcher, type Fetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { type ExecutionResult, getOperationAST, Kind, parse } from "graphql";
import { createClient, NetworkError } from "graphql-sse";
import { createRoot } from "react-dom/client";
import { liveChangesPlugin } from "./live-changes";
import "graphiql/style.css";
import "./playground.css";

/** The README's example operations, one tab each (put here by scripts/build-playground.ts). */
declare const EXAMPLE_TABS: { query: string; headers?: string }[];

// Monaco's workers are bundled as files of their own and loaded from this origin, as module
// workers: no CDN, no blob: URLs, so the Content-Security-Policy can stay strict.
const WORKERS: Record<string, string> = { json: "json.worker.js", graphql: "graphql.worker.js" };
(globalThis as unknown as { MonacoEnvironment: unknown }).MonacoEnvironment = {
  getWorker(_id: string, label: string) {
    return new Worker(new URL(`/playground/${WORKERS[label] ?? "editor.worker.js"}`, location.origin), { type: "module" });
  },
};

/**
 * GraphiQL 5 learns the operation name 100 ms after the last keystroke, but runs at once: a query
 * typed and run quickly (Ctrl+Enter) goes out with the name of the tab that was open before, and
 * the API rightly answers "Unknown operation named …" (graphql/graphiql#3632). The document sent
 * is always current, so the name is settled against it here.
 */
function settledOperationName(query: string, name: string | null | undefined): string | null | undefined {
  if (!name) return name;
  try {
    const names = parse(query).definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? [d.name?.value] : []));
    if (names.includes(name) || names.length !== 1) return name;
    return names[0];
  } catch {
    return name; // not parseable: the API's error says why, name or not
  }
}

function isSubscription(query: string, operationName: string | null | undefined): boolean {
  try {
    return getOperationAST(parse(query), operationName)?.operation === "subscription";
  } catch {
    return false; // the API's error says why
  }
}

/**
 * A subscription runs over GraphQL over SSE (graphql-sse's client, one stream per
 * subscription): a same-origin fetch that the page's `connect-src 'self'` allows and that
 * carries the Headers pane (a key) like any request. A refusal before the stream starts (a bad
 * key, a spent budget) is shown as the API's error body. Stopping the tab ends the stream.
 */
async function* overSse(params: { query: string; operationName?: string | null; variables?: unknown }, headers: Record<string, string>): AsyncGenerator<ExecutionResult> {
  const client = createClient({ url: API, headers, retryAttempts: 0 });
  try {
    for await (const result of client.iterate({ query: params.query, operationName: params.operationName ?? undefined, variables: params.variables as Record<string, unknown> | undefined })) {
      yield result as ExecutionResult;
    }
  } catch (error) {
    const response = error instanceof NetworkError ? (error.response as Response | undefined) : undefined;
    if (!response) throw error;
    yield await response.json().catch(() => ({ errors: [{ message: `HTTP ${response.status}` }] }));
  } finally {
    client.dispose();
  }
}

const API = new URL("/graphql", location.origin).href;
const sendToApi = createGraphiQLFetcher({ url: API });
const fetcher: Fetcher = (params, options) => {
  const operationName = settledOperationName(params.query, params.operationName);
  if (isSubscription(params.query, operationName)) return overSse({ ...params, operationName }, (options?.headers ?? {}) as Record<string, string>);
  return sendToApi({ ...params, operationName }, options);
};

createRoot(document.getElementById("graphiql")!).render(
  <GraphiQL fetcher={fetcher} plugins={[liveChangesPlugin(API)]} defaultTabs={EXAMPLE_TABS} shouldPersistHeaders={false} />,
);
