import { readFileSync } from "node:fs";
import { buildAppSchema, printAppSchema, SCHEMA_FILE } from "../src/graphql/schema";

describe("When the type-graphql classes change", () => {
  test("then the committed schema.graphql must have been regenerated (npm run schema)", async () => {
    const generated = printAppSchema(await buildAppSchema());
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(generated);
  });
});
