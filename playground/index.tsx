import { createGraphiQLFetcher, type Fetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { buildSchema, type ExecutionResult, getOperationAST, type GraphQLSchema, Kind, parse } from "graphql";
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

/**
 * TRUSTED_DOCUMENTS_POLICY as the server put it on the page (src/http/playground.ts): `off`,
 * `open`, `writes` or `strict`. The page never guesses it from what the API answers.
 */
const root = document.getElementById("graphiql")!;
const policy = root.dataset.trustedDocuments ?? "off";

/**
 * Under `strict`, GraphiQL's introspection query is an ad-hoc document like any other, refused
 * (the docs pane said "Error fetching schema"): the schema comes from the SDL the server
 * publishes whatever the policy (GET /schema.graphql), built here. null: GraphiQL runs without one.
 */
async function publishedSchema(): Promise<GraphQLSchema | null> {
  try {
    const response = await fetch(new URL("/schema.graphql", location.origin));
    return response.ok ? buildSchema(await response.text()) : null;
  } catch (error) {
    console.warn("The schema could not be loaded from /schema.graphql", error);
    return null;
  }
}

/** Why what is typed here may be refused, in the page itself, above the editor. */
function TrustedDocumentsNote() {
  if (policy === "strict") {
    return (
      <div className="trusted-documents-note" role="note" data-policy="strict">
        <strong>Trusted documents, strict mode.</strong> This server runs only the operations its apps were built with, sent by their hash
        (<code>TRUSTED_DOCUMENTS_POLICY=strict</code>). A document typed or edited here, these example tabs included, is refused with{" "}
        <code>PERSISTED_QUERY_NOT_IN_LIST</code> (HTTP 404). The schema in Docs and autocompletion comes from <a href="/schema.graphql">/schema.graphql</a>.
      </div>
    );
  }
  if (policy === "writes") {
    return (
      <div className="trusted-documents-note" role="note" data-policy="writes">
        <strong>Trusted documents for writes.</strong> Queries typed here run; a mutation runs only if it is one the apps were built with (
        <code>TRUSTED_DOCUMENTS_POLICY=writes</code>): any other is refused with <code>PERSISTED_QUERY_NOT_IN_LIST</code> (HTTP 404).
      </div>
    );
  }
  return null;
}

async function main() {
  // undefined: GraphiQL introspects, as under every policy that lets a typed document run.
  const schema = policy === "strict" ? await publishedSchema() : undefined;
  createRoot(root).render(
    <div className="playground">
      <TrustedDocumentsNote />
      <div className="playground-ide">
        <GraphiQL fetcher={fetcher} schema={schema} plugins={[liveChangesPlugin(API)]} defaultTabs={EXAMPLE_TABS} shouldPersistHeaders={false} />
      </div>
    </div>,
  );
}

void main();
