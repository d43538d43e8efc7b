import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GraphQLClient } from "graphql-request";
import { startApp } from "../src/app";
import { loadRegisteredEntries, loadSeedEntries, SEED_REVISION, type SeedEntry } from "../src/catalogue/seed/catalogue-seed";
import { EntryWriter } from "../src/curation/entry-writer";
import { seedCatalogue } from "../src/curation/seed-catalogue";
import { type RevisionModel, revisionModel, type StatusCodeModel, statusCodeModel, type StatusCodeRecord } from "../src/catalogue/status-code.model";
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
      expect(await seedCatalogue(model, writer, entries)).toEqual({ inserted: entries.length, updated: 0, keptEdited: 0, completed: 0 });
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
      expect(await seedCatalogue(model, writer, revised, 2)).toEqual({ inserted: 0, updated: revised.length - 1, keptEdited: 1, completed: 0 });

      // Every seeded version has its revision.
      expect(await revisions.countDocuments({ code: 200 })).toBe(2);
      expect(await revisions.countDocuments({ code: 404 })).toBe(1);
      const edited = await model.findOne({ code: 404 }).lean();
      expect(edited).toMatchObject({ description: "Curated text", version: 2, seed: { revision: 1, version: 1 } });
      const updated = await model.findOne({ code: 200 }).lean();
      expect(updated).toMatchObject({ version: 2, seed: { revision: 2, version: 2 } });
      expect(updated!.description).toMatch(/\(revised\)$/);
      // Running revision 2 again is a no-op for updated entries.
      expect(await seedCatalogue(model, writer, revised, 2)).toEqual({ inserted: 0, updated: 0, keptEdited: 1, completed: 0 });
    }));

  test("then a database seeded before vendor codes, histories and examples gains them, and curators' edits are kept", () =>
    withFreshDatabase(async (model, revisions, writer) => {
      // Seed revision 1 as it was: the 63 registry codes, IANA's bare references, none of the new fields.
      const old = loadRegisteredEntries().map(({ specificationHistory, unofficialUses, example, ...e }) => ({
        ...e,
        specification: e.code === 429 ? { document: "RFC 6585", section: null, url: "https://www.rfc-editor.org/rfc/rfc6585" } : e.specification,
      })) as unknown as SeedEntry[];
      // As the code of revision 1 wrote them (today's seeding would complete them at once).
      const at = new Date();
      await model.insertMany(
        old.map((e) => ({ ...e, retired: null, version: 1, updatedBy: "seed", seed: { revision: 1, version: 1 }, createdAt: at, updatedAt: at })),
      );
      expect(await model.countDocuments({ example: { $exists: true } })).toBe(0);
      // A curator edited 429 and 451 (body no longer allowed), and created a code of their own.
      await model.updateOne({ code: 429 }, { $set: { description: "Curated" }, $inc: { version: 1 } });
      await model.updateOne({ code: 451 }, { $set: { bodyAllowed: false }, $inc: { version: 1 } });
      const custom = { ...old.find((e) => e.code === 404)!, code: 470, reasonPhrase: "Custom", source: "CUSTOM", retired: null, updatedBy: "Eve" };
      await writer.create(custom as never);

      const report = await seedCatalogue(model, writer, loadSeedEntries(), 2);
      const vendorCodes = loadSeedEntries().length - old.length;
      expect(report).toEqual({ inserted: vendorCodes, updated: old.length - 2, keptEdited: 2, completed: 3 });
      expect(await model.countDocuments({ $or: [{ example: { $exists: false } }, { specificationHistory: { $exists: false } }, { unofficialUses: { $exists: false } }] })).toBe(0);

      const byCode = async (code: number) => (await model.findOne({ code }).lean<StatusCodeRecord>())!;
      // Unedited: the new seed whole. Edited: content kept, new fields added to agree with it.
      expect((await byCode(200)).specificationHistory.map((s) => s.document)).toEqual(["RFC 1945", "RFC 2068", "RFC 2616", "RFC 7231", "RFC 9110"]);
      const edited = await byCode(429);
      expect(edited).toMatchObject({ description: "Curated", version: 3, specification: { document: "RFC 6585", section: null } });
      expect(edited.specificationHistory).toEqual([edited.specification]);
      expect(edited.example).toMatch(/^HTTP\/1\.1 429 Too Many Requests\nRetry-After: 120/);
      const reused = await byCode(451);
      expect(reused.unofficialUses.map((u) => u.origin)).toEqual(["Microsoft Exchange ActiveSync"]);
      expect(reused.example).toBe("HTTP/1.1 451 Unavailable For Legal Reasons\nLink: <https://example.org/legal-demand>; rel=\"blocked-by\"");
      expect(await byCode(470)).toMatchObject({ unofficialUses: [], example: expect.stringMatching(/^HTTP\/1\.1 470 Custom\n/), version: 2 });
      // The completion is a revision like any other write.
      expect(await revisions.find({ code: 429 }, { _id: 0, version: 1, action: 1 }).lean()).toEqual([{ version: 3, action: "SEED" }]);
      // And a second start does nothing more.
      expect(await seedCatalogue(model, writer, loadSeedEntries(), 2)).toEqual({ inserted: 0, updated: 0, keptEdited: 2, completed: 0 });
    }));
});

describe("When a database seeded before excerpts and comparisons (seed revision 2) starts with today's seed", () => {
  test("then untouched entries get the sourced seed, edited ones keep their words and gain labels and excerpts, and the new codes arrive", () =>
    withFreshDatabase(async (model, revisions, writer) => {
      const added = [104, 294, 430, 498, 529, 540];
      // Revision 2 as it was: uses with a name each, no label, no excerpt; no temporary registrations.
      const old = loadSeedEntries()
        .filter((e) => !added.includes(e.code))
        .map(({ temporaryRegistration, comparisons, ...e }) => ({
          ...e,
          unofficialUses: e.unofficialUses.map(({ label, excerpt, ...u }) => ({ ...u, reasonPhrase: u.reasonPhrase ?? label })),
        }));
      const at = new Date();
      await model.insertMany(old.map((e) => ({ ...e, retired: null, version: 1, updatedBy: "seed", seed: { revision: 2, version: 1 }, createdAt: at, updatedAt: at })));
      // A curator edited 460 and 524, and wrote a code of their own with a use of their own.
      await model.updateOne({ code: 460 }, { $set: { description: "Curated 460" }, $inc: { version: 1 } });
      await model.updateOne({ code: 524 }, { $set: { "unofficialUses.0.description": "Curated use" }, $inc: { version: 1 } });
      await model.updateOne({ code: 401 }, { $set: { description: "Curated 401" }, $inc: { version: 1 } });
      const ownUse = { origin: "Acme CDN", reasonPhrase: "Origin Asleep", description: "The origin did not wake up in time.", reference: "https://acme.example/590" };
      await writer.create({ ...old.find((e) => e.code === 561)!, code: 590, reasonPhrase: "Origin Asleep", unofficialUses: [ownUse], source: "CUSTOM", retired: null, updatedBy: "Eve" } as never);

      const report = await seedCatalogue(model, writer, loadSeedEntries(), SEED_REVISION);
      expect(report).toEqual({ inserted: added.length, updated: old.length - 3, keptEdited: 3, completed: 4 });

      const byCode = async (code: number) => (await model.findOne({ code }).lean<StatusCodeRecord>())!;
      // Untouched: the new seed whole, with the corrected facts.
      expect((await byCode(599)).unofficialUses[0]).toMatchObject({ reasonPhrase: null, label: "No HTTP Response Received" });
      // Edited: the curator's words stay; the label and the excerpt come from the seed's use of the same vendor.
      const edited460 = await byCode(460);
      expect(edited460.description).toBe("Curated 460");
      expect(edited460.unofficialUses[0]).toMatchObject({ reasonPhrase: "Client Closed Connection", label: "Client Closed Connection", excerpt: { text: expect.stringMatching(/^HTTP 460\n/) } });
      const edited524 = await byCode(524);
      expect(edited524.unofficialUses[0]).toMatchObject({ description: "Curated use", excerpt: { text: expect.stringContaining("120 seconds") } });
      // A curator's own use: its name as the label, and an empty excerpt that says why.
      expect((await byCode(590)).unofficialUses[0]).toMatchObject({ label: "Origin Asleep", excerpt: { text: "", readOn: "" } });
      // The new codes, with their sources; 104 with its registration.
      expect((await byCode(104)).temporaryRegistration).toMatchObject({ registeredOn: "2024-11-13", expiresOn: "2026-11-13" });
      expect((await byCode(294)).unofficialUses[0].excerpt.text).toContain("294 Partial Success");
      // An edited entry gains the seed's comparisons (stored on the lower code of each pair), and keeps its words.
      const edited401 = await byCode(401);
      expect(edited401.description).toBe("Curated 401");
      expect(edited401.comparisons.map((c) => c.other)).toEqual([403, 407]);
      expect((await byCode(590)).comparisons).toEqual([]);
      // Every completion is a revision; a second start does nothing more.
      expect(await revisions.find({ code: 460 }, { _id: 0, action: 1 }).lean()).toEqual([{ action: "SEED" }]);
      expect(await seedCatalogue(model, writer, loadSeedEntries(), SEED_REVISION)).toEqual({ inserted: 0, updated: 0, keptEdited: 3, completed: 0 });
    }));
});

describe("When a database seeded before 498 (seed revision 4) starts with today's seed", () => {
  /** Revision 4 as it was: every code but 498, and 499 without 498 among its related codes. */
  async function seedRevision4(model: StatusCodeModel) {
    const old = loadSeedEntries()
      .filter((e) => e.code !== 498)
      .map((e) => (e.code === 499 ? { ...e, relatedCodes: e.relatedCodes.filter((c) => c !== 498) } : e));
    const at = new Date();
    await model.insertMany(old.map((e) => ({ ...e, retired: null, version: 1, updatedBy: "seed", seed: { revision: 4, version: 1 }, createdAt: at, updatedAt: at })));
    return old;
  }

  test("then it gains Esri's 498 with its source, untouched entries move to the new revision, and edited ones are kept", () =>
    withFreshDatabase(async (model, revisions, writer) => {
      expect(SEED_REVISION).toBe(5);
      const old = await seedRevision4(model);
      // A curator edited 499 and 401.
      await model.updateOne({ code: 499 }, { $set: { description: "Curated 499" }, $inc: { version: 1 } });
      await model.updateOne({ code: 401 }, { $set: { description: "Curated 401" }, $inc: { version: 1 } });

      expect(await seedCatalogue(model, writer, loadSeedEntries(), SEED_REVISION)).toEqual({ inserted: 1, updated: old.length - 2, keptEdited: 2, completed: 0 });

      const byCode = async (code: number) => (await model.findOne({ code }).lean<StatusCodeRecord>())!;
      const added = await byCode(498);
      expect(added).toMatchObject({ reasonPhrase: "Invalid Token", source: "VENDOR", registryStatus: "UNREGISTERED", relatedCodes: [499, 401], version: 1, seed: { revision: 5, version: 1 } });
      expect(added.unofficialUses).toHaveLength(1);
      expect(added.unofficialUses[0]).toMatchObject({
        origin: "Esri ArcGIS",
        reasonPhrase: "Invalid Token",
        reference: "https://support.esri.com/en-us/knowledge-base/bug-error-code-498-invalid-token-returned-when-viewing--000016034",
        excerpt: { text: expect.stringContaining('Error Code 498 "Invalid Token"'), readOn: "2026-12-05" },
      });
      expect(await revisions.find({ code: 498 }, { _id: 0, version: 1, action: 1 }).lean()).toEqual([{ version: 1, action: "SEED" }]);
      // Edited: the curator's 499 and 401 are left as they were, at revision 4.
      expect(await byCode(499)).toMatchObject({ description: "Curated 499", relatedCodes: [460, 408, 401], version: 2, seed: { revision: 4, version: 1 } });
      expect(await byCode(401)).toMatchObject({ description: "Curated 401", version: 2 });
      // Untouched: the revision-5 seed, as a SEED revision.
      expect(await byCode(404)).toMatchObject({ version: 2, seed: { revision: 5, version: 2 } });
      expect(await revisions.find({ code: 404 }, { _id: 0, version: 1, action: 1 }).lean()).toEqual([{ version: 2, action: "SEED" }]);
      // A second start does nothing more.
      expect(await seedCatalogue(model, writer, loadSeedEntries(), SEED_REVISION)).toEqual({ inserted: 0, updated: 0, keptEdited: 2, completed: 0 });
    }));

  test("then an untouched 499 gains 498 among its related codes", () =>
    withFreshDatabase(async (model, revisions, writer) => {
      await seedRevision4(model);
      await seedCatalogue(model, writer, loadSeedEntries(), SEED_REVISION);
      expect(await model.findOne({ code: 499 }).lean()).toMatchObject({ relatedCodes: [460, 408, 498, 401], version: 2, seed: { revision: 5, version: 2 } });
      const [revision] = await revisions.find({ code: 499 }).lean<any[]>();
      expect(revision.changes).toEqual([{ field: "relatedCodes", from: [460, 408, 401], to: [460, 408, 498, 401] }]);
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
