import { isExecutable } from "../src/db/find-executable";
import { buildJaeger, JAEGER_CACHE_BIN } from "../src/tracing/jaeger-build";

// Used by .ci/run and by whoever wants to look at StatusGraph's traces locally (docs/operations.md, Tracing).
if (isExecutable(JAEGER_CACHE_BIN)) console.log(`Jaeger already built: ${JAEGER_CACHE_BIN}`);
else buildJaeger();
