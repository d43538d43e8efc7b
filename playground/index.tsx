import { explorerPlugin } from "@graphiql/plugin-explorer";
import { createGraphiQLFetcher, type Fetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { Kind, parse } from "graphql";
import { createRoot } from "react-dom/client";
import "graphiql/style.css";
import "@graphiql/plugin-explorer/style.css";
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

const sendToApi = createGraphiQLFetcher({ url: new URL("/graphql", location.origin).href });
const fetcher: Fetcher = (params, options) => sendToApi({ ...params, operationName: settledOperationName(params.query, params.operationName) }, options);

createRoot(document.getElementById("graphiql")!).render(
  <GraphiQL fetcher={fetcher} plugins={[explorerPlugin()]} defaultTabs={EXAMPLE_TABS} shouldPersistHeaders={false} />,
);
