import { buildFerretDb, FERRETDB_CACHE_BIN } from "../src/db/ferretdb-build";
import { isExecutable } from "../src/db/find-executable";

// Used by .ci/run and by newcomers who want the build done before the first start.
if (isExecutable(FERRETDB_CACHE_BIN)) console.log(`FerretDB already built: ${FERRETDB_CACHE_BIN}`);
else buildFerretDb();
