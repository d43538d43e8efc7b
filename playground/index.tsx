import { explorerPlugin } from "@graphiql/plugin-explorer";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
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

const fetcher = createGraphiQLFetcher({ url: new URL("/graphql", location.origin).href });

createRoot(document.getElementById("graphiql")!).render(
  <GraphiQL fetcher={fetcher} plugins={[explorerPlugin()]} defaultTabs={EXAMPLE_TABS} shouldPersistHeaders={false} />,
);
