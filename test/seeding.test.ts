import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GraphQLClient } from "graphql-request";
import { startApp } from "../src/app";
import { loadSeedEntries } from "../src/catalogue/seed/catalogue-seed";
import { EntryWriter } from "../src/curation/entry-writer";
import { seedCatalogue } from "../src/catalogue/seed/seed-catalogue";
import { type RevisionModel, revisionModel, type StatusCodeModel, statusCodeModel } from "../src/catalogue/status-code.model";
import { loadConfig } from "../src/config";
import { connectDatabase } from "../src/db/connect";
import { uniqueDatabaseUri } from "./support/harness";

/** Runs `body` against empty, indexed collections in a throwaway database. */
async function withFreshDatabase(body: (model: StatusCodeModel, revisions: RevisionModel, writer: EntryWriter) => Promise<void>) {
  const connection = await connectDatabase(uniqueDatabaseUri(), { serverSelectionTimeoutMs: 2000 });
  try {
    const model = statusCodeModel(connection);
    const revisions = revisionModel(connection);
    await model.createIndexes();
    await revisions.createIndexes();
    await body(model, revisions, new EntryWriter(model, revisions));
  } finally {
    await connection.dropDatabase();
    await connection.close();
  }
}

describe("When the catalogue is seeded again", () => {
  test("then nothing is duplicated and nothing changes", () =>
    withFreshDatabase(async (model, revisions, writer) => {
      const entries = loadSeedEntries();
      expect(await seedCatalogue(model, writer, entries)).toEqual({ inserted: entries.length, updated: 0, keptEdited: 0 });
      const before = await model.find().sort({ code: 1 }).lean();
      const again = await Promise.all([seedCatalogue(model, writer, entries), seedCatalogue(model, writer, entries)]);
      expect(again.map((r) => r.inserted)).toEqual([0, 0]);
      const after = await model.find().sort({ code: 1 }).lean();
      expect(after).toEqual(before);
    }));

  test("then a new seed revision updates untouched entries and keeps edited ones", () =>
    withFreshDatabase(async (model, revisions, writer) => {
      await seedCatalogue(model, writer, loadSeedEntries(), 1);
      // A curator's edit: new content, new version.
      await model.updateOne({ code: 404 }, { $set: { description: "Curated text" }, $inc: { version: 1 } });

      const revised = loadSeedEntries().map((e) => ({ ...e, description: `${e.description} (revised)` }));
      expect(await seedCatalogue(model, writer, revised, 2)).toEqual({ inserted: 0, updated: revised.length - 1, keptEdited: 1 });

      // Every seeded version has its revision.
      expect(await revisions.countDocuments({ code: 200 })).toBe(2);
      expect(await revisions.countDocuments({ code: 404 })).toBe(1);
      const edited = await model.findOne({ code: 404 }).lean();
      expect(edited).toMatchObject({ description: "Curated text", version: 2, seed: { revision: 1, version: 1 } });
      const updated = await model.findOne({ code: 200 }).lean();
      expect(updated).toMatchObject({ version: 2, seed: { revision: 2, version: 2 } });
      expect(updated!.description).toMatch(/\(revised\)$/);
      // Running revision 2 again is a no-op for updated entries.
      expect(await seedCatalogue(model, writer, revised, 2)).toEqual({ inserted: 0, updated: 0, keptEdited: 1 });
    }));
});

describe("When `npm start`'s embedded database is restarted", () => {
  test("then the data and an edit survive, and the edit is not overwritten by seeding", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "statusgraph-restart-"));
    const config = loadConfig({ DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "silent", FERRETDB_BIN: process.env.FERRETDB_BIN ?? "" });
    try {
      const first = await startApp(config);
      expect(first.embedded?.dataPath.startsWith(dataDir)).toBe(true);
      await first.connection.collection("status_codes").updateOne({ code: 418 }, { $set: { description: "Edited" }, $inc: { version: 1 } });
      await first.stop();

      const second = await startApp(config);
      try {
        const client = new GraphQLClient(second.url);
        const data = await client.request<any>(`{ statusCode(code: 418) { description version } statusCodes { totalCount } }`);
        expect(data.statusCode).toEqual({ description: "Edited", version: 2 });
        expect(data.statusCodes.totalCount).toBe(loadSeedEntries().length);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
