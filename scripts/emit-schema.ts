import "reflect-metadata";
import { SCHEMA_FILE, writeSchemaFile } from "../src/graphql/schema";

writeSchemaFile().then(
  () => console.log(`Wrote ${SCHEMA_FILE}`),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
