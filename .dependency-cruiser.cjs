/**
 * The import rules of src/, checked by dependency-cruiser (`npm run lint:imports`, and
 * test/architecture.test.ts through its API). It reads every import the TypeScript compiler
 * sees — `import … from`, `export … from`, a bare `import "…"`, `import()`, `require()`,
 * `import type`, in any quotes and at any indentation — and resolves each to a file as
 * TypeScript would (tsconfig.json), so a rule cannot be missed by the way an import is written.
 *
 * Paths are relative to the folder cruised from (its `src/`), so the same rules run on the
 * planted defects of test/fixtures/architecture/.
 */

/**
 * The layers of src/, lowest first: a module imports only from its own folder or a lower layer,
 * and folders of one layer do not import each other.
 */
const LAYERS = [
  ["project-root.ts"],
  ["db"],
  ["errors"],
  ["auth", "relay"],
  ["catalogue"],
  ["curation"],
  ["graphql"],
  ["tracing"],
  ["config.ts", "replicas"],
  ["http"],
  ["services.ts", "heap.ts"],
  ["app.ts"],
  ["main.ts"],
];

/**
 * The same rule inside src/http/, lowest first. Within one sub-folder (`exit/`, `admission/`, `graphql-over-http/`, `fast-path/`, `streams/`, `websocket/`) files import
 * each other freely (no cycles); between the entries below, only downward.
 */
const HTTP_LAYERS = [
  // What imports nothing else of http/: a request's id, the representation its Accept
  // negotiates (single result or stream), the budgets, the database's health, the log line,
  // the table of request-level statuses, what the subscription transports share (slots,
  // the revocation sweep), the front door, the error reporting.
  [
    "request-id.ts",
    "representation.ts",
    "rate-limit.ts",
    "slow-senders.ts",
    "database-health.ts",
    "logging.ts",
    "request-statuses.ts",
    "subscription-slots.ts",
    "ws-revocation.ts",
    "front-door.ts",
    "error-reporting.plugin.ts",
  ],
  // The one exit: every refusal, written as the table says, whatever the transport.
  ["exit"],
  // The one admission list every transport runs, over a transport-neutral subject.
  ["admission"],
  // GraphQL over HTTP's stages, one file each, over one request state.
  ["graphql-over-http"],
  // What is built on the stages alone: health (and its probes' own listener), the playground,
  // connection bounds, the guards of a request before its route, the wait for a body.
  ["health.ts", "probe-listener.ts", "playground.ts", "connection-bounds.ts", "request-guards.ts", "body-arrival.ts"],
  // The transports beside the GraphQL route: cache hits before Fastify (fast-path/), SSE and
  // multipart (streams/), graphql-ws (websocket/).
  ["fast-path", "streams", "websocket"],
  // The parts createHttpServer lists, one block of it each (issue 22, item 3): Fastify on its
  // own Node server with the error handlers, the body parsers, the stages as hooks, Apollo, the
  // /graphql route, the close once idle. Above the guards and the playground, which they use;
  // none uses another, so that server.ts alone says their order.
  ["fastify-app.ts", "body-parsers.ts", "stages.ts", "apollo.ts", "graphql-route.ts", "shutdown.ts"],
  // The assembly.
  ["server.ts"],
];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const isFile = (entry) => entry.endsWith(".ts");
/** A file is itself; a folder is everything under it. */
const pathOf = (base, entry) => `^${escape(base)}${escape(entry)}${isFile(entry) ? "$" : "/"}`;
const shown = (entry) => (isFile(entry) ? entry : `${entry}/`);

/** For each entry of each layer: nothing it imports is in its own layer or above (itself aside). */
function layerRules(prefix, base, layers) {
  return layers.flatMap((layer, index) =>
    layer.flatMap((entry) => {
      const above = layers.slice(index).flat().filter((other) => other !== entry);
      // The top entry has nothing above it (and an empty list would match every path).
      if (above.length === 0) return [];
      const below = layers.slice(0, index).flat().map(shown).join(", ") || "nothing";
      return {
        name: `${prefix}${entry.replace(/\.ts$/, "")}`,
        comment: `${base}${shown(entry)} is in layer ${index + 1} of ${layers.length} of ${base}: it imports only its own folder or a lower layer (${below})`,
        severity: "error",
        from: { path: pathOf(base, entry) },
        to: { path: above.map((other) => pathOf(base, other)) },
      };
    }),
  );
}

/** A file in no layer, once it imports or is imported, fails: add it to the list. */
function unlayeredRules(name, base, layers) {
  const layered = layers.flat().map((entry) => pathOf(base, entry));
  const unlayered = { path: `^${escape(base)}`, pathNot: layered };
  return [
    { name, comment: `a file of ${base} in no layer imports: add it to the list`, severity: "error", from: unlayered, to: {} },
    { name: `${name}-imported`, comment: `a file of ${base} in no layer is imported: add it to the list`, severity: "error", from: {}, to: unlayered },
  ];
}

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules("layer:", "src/", LAYERS),
    ...unlayeredRules("layer:none", "src/", LAYERS),
    ...layerRules("http:", "src/http/", HTTP_LAYERS),
    ...unlayeredRules("http:none", "src/http/", HTTP_LAYERS),
    {
      name: "no-cycle",
      comment: "no chain of imports comes back to where it started (type-only imports count)",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
  ],
  options: {
    // Read imports from TypeScript's own syntax tree before compilation, so that `import type`
    // and imports used only as types count, as they always have: a cycle through types is still
    // a cycle of the design.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    // Only src/ is checked, and nothing outside it is followed.
    includeOnly: "^src/",
    doNotFollow: { path: "node_modules" },
  },
};
