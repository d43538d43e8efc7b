import "reflect-metadata";
import { parseArgs } from "node:util";
import { apiKeyModel } from "../src/auth/api-key.model";
import { ApiKeyService } from "../src/auth/api-key.service";
import { ROLES, type Role } from "../src/auth/principal";
import { loadConfig } from "../src/config";
import { connectDatabase } from "../src/db/connect";
import { type EmbeddedServer, startEmbeddedServer } from "../src/db/embedded-server";

const USAGE = `Usage:
  npm run apikey -- create --role <${ROLES.join("|")}> --name <name>   prints the key once, as the last line
  npm run apikey -- list
  npm run apikey -- revoke <id>
Uses MONGODB_URI, or the embedded database in DATA_DIR like npm start.`;

async function main() {
  const { positionals, values } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { role: { type: "string" }, name: { type: "string" }, help: { type: "boolean" } },
  });
  const [command, id] = positionals;
  if (values.help || !command || !["create", "list", "revoke"].includes(command)) return fail(USAGE);
  if (command === "create" && (!values.role || !values.name)) return fail(`create needs --role and --name\n\n${USAGE}`);
  if (command === "create" && !ROLES.includes(values.role as Role)) return fail(`--role must be one of ${ROLES.join(", ")}`);
  if (command === "revoke" && !id) return fail(`revoke needs the key id (see list)\n\n${USAGE}`);

  const config = loadConfig(process.env);
  let embedded: EmbeddedServer | undefined;
  if (!config.mongodbUri) {
    embedded = await startEmbeddedServer({ dataDir: config.dataDir, databaseName: "statusgraph", ferretdbBin: config.ferretdbBin });
  }
  const connection = await connectDatabase(config.mongodbUri ?? embedded!.uri, { serverSelectionTimeoutMs: config.serverSelectionTimeoutMs });
  try {
    const model = apiKeyModel(connection);
    await model.createIndexes();
    const keys = new ApiKeyService(model);
    if (command === "create") {
      const created = await keys.create(values.name!, values.role as Role);
      console.log(`Created ${values.role} key "${values.name}" with id ${created.id}. It is shown once; store it now:`);
      console.log(created.key);
    } else if (command === "list") {
      for (const k of await keys.list()) {
        const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : "active";
        console.log(`${k._id}  ${k.prefix}…  ${k.role.padEnd(6)}  ${state.padEnd(32)}  ${k.name}`);
      }
    } else if (!(await keys.revoke(id))) {
      process.exitCode = 1;
      console.error(`No active key with id ${id}`);
    } else {
      console.log(`Revoked ${id}`);
    }
  } finally {
    await connection.close();
    await embedded?.stop();
  }
}

function fail(message: string) {
  console.error(message);
  process.exitCode = 2;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
