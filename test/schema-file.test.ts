import { readFileSync } from "node:fs";
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isSpecifiedScalarType } from "graphql";
import { buildAppSchema, printAppSchema, SCHEMA_FILE } from "../src/graphql/schema";

describe("When the type-graphql classes change", () => {
  test("then the committed schema.graphql must have been regenerated (npm run schema)", async () => {
    const generated = printAppSchema(await buildAppSchema());
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(generated);
  });
});

describe("When a client reads the schema's docs (a playground, generated code)", () => {
  test("then every type, field, argument and enum value says what it is", async () => {
    const schema = await buildAppSchema();
    const undescribed: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith("__") || isSpecifiedScalarType(type)) continue;
      if (!type.description) undescribed.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) undescribed.push(`${type.name}.${field.name}`);
          for (const arg of "args" in field ? field.args : []) if (!arg.description) undescribed.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isEnumType(type)) for (const value of type.getValues()) if (!value.description) undescribed.push(`${type.name}.${value.name}`);
    }
    expect(undescribed).toEqual([]);
  });
});
