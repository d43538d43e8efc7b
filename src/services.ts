import type { Connection } from "mongoose";
import { apiKeyModel } from "./auth/api-key.model";
import { ApiKeyService } from "./auth/api-key.service";
import type { CatalogueEvents } from "./catalogue/catalogue-events";
import { CatalogueSync, type SyncOptions } from "./catalogue/catalogue-sync";
import { CatalogueService } from "./catalogue/catalogue.service";
import { CatalogueReadModel } from "./catalogue/read-model";
import { CurationService } from "./curation/curation.service";
import { EntryWriter, type WriteFaults } from "./curation/entry-writer";
import { ImportService, importRequestModel } from "./curation/import.service";
import { loadSeedEntries } from "./catalogue/seed/catalogue-seed";
import { type SeedReport, seedCatalogue } from "./curation/seed-catalogue";
import { revisionModel, statusCodeModel } from "./catalogue/status-code.model";
import type { Services } from "./graphql/context";

/**
 * Creates every index, finishes writes a crash interrupted, seeds, loads the read model, and
 * builds the services.
 * Index creation here, not mongoose's autoIndex, so that a failure stops the start.
 */
export async function prepareServices(
  connection: Connection,
  options: { faults?: WriteFaults; sync: SyncOptions; apiKeyCacheMs?: number; events: CatalogueEvents },
) {
  const entries = statusCodeModel(connection);
  const revisions = revisionModel(connection);
  const keys = apiKeyModel(connection);
  const importRequests = importRequestModel(connection);
  for (const model of [entries, revisions, keys, importRequests]) await model.createIndexes();

  const model = new CatalogueReadModel((before, after) => options.events.changed(before, after));
  const sync = new CatalogueSync(entries, connection, model, options.sync);
  const writer = new EntryWriter(entries, revisions, options.faults, sync);
  // Writes a crash or outage stopped after their claim are finished, never undone.
  const recovered = await writer.rollForwardAll();
  const seeded: SeedReport = await seedCatalogue(entries, writer, loadSeedEntries());

  // After seeding and roll-forward, so the model starts from the finished state.
  await sync.start();

  const catalogue = new CatalogueService(model, options.events);
  const curation = new CurationService(entries, revisions, writer, catalogue, sync);
  const services: Services = { catalogue, curation, imports: new ImportService(importRequests, curation) };
  return { services, sync, apiKeys: new ApiKeyService(keys, options.apiKeyCacheMs), seeded, recovered };
}
