import { createHash } from "node:crypto";
import { type Connection, Schema } from "mongoose";
import { type Principal, requirePermission } from "../auth/principal";
import { isDuplicateKey } from "../db/duplicate-key";
import { DomainError } from "../errors/domain-error";
import { httpStatusOf } from "../errors/error-codes";

/** An entry the import created: the status a single create would have had (no error code has it). */
const CREATED = 201;
import type { CurationService } from "./curation.service";
import type { NewEntry } from "./entry-validation";
import { validationFailed } from "./entry-validation";

export const MAX_IMPORT = 500;

interface ImportRequest {
  _id: string;
  fingerprint: string;
  state: "pending" | "done";
  result: unknown;
  createdAt: Date;
}
const ImportRequestSchema = new Schema<ImportRequest>(
  { _id: String, fingerprint: String, state: String, result: Schema.Types.Mixed, createdAt: Date },
  { collection: "import_requests", versionKey: false, minimize: false },
);

export function importRequestModel(connection: Connection) {
  return connection.models.ImportRequest ?? connection.model<ImportRequest>("ImportRequest", ImportRequestSchema);
}

/**
 * Bulk create with one result per entry, idempotent per key (scoped to the API key that used
 * it). The key's record is created first; once an attempt finishes, its result is stored and
 * every replay gets it. An attempt that did not finish (crash, outage, or still running) is
 * simply run again: each entry's create is itself idempotent for this import (its version-1
 * revision names the import), so entries an earlier or concurrent attempt created are
 * reported as created, not as conflicts. No clock decides anything.
 */
export class ImportService {
  constructor(
    private readonly requests: ReturnType<typeof importRequestModel>,
    private readonly curation: CurationService,
  ) {}

  async import(entries: NewEntry[], idempotencyKey: string, principal: Principal | null) {
    const by = requirePermission(principal, "catalogue:write");
    const key = idempotencyKey.trim();
    if (!key || key.length > 200) throw validationFailed([{ field: "idempotencyKey", constraint: key ? "maxLength" : "notEmpty" }]);
    if (entries.length < 1 || entries.length > MAX_IMPORT) throw validationFailed([{ field: "entries", constraint: "arraySize" }]);

    const id = `${by.keyId}:${key}`;
    const fingerprint = createHash("sha256").update(JSON.stringify(entries)).digest("hex");
    const earlier = await this.begin(id, fingerprint);
    if (earlier) return { ...(earlier as object), replayed: true };

    const results = [];
    for (const [index, input] of entries.entries()) results.push(await this.importOne(index, input, by, id));
    const result = { idempotencyKey: key, created: results.filter((r) => r.status === CREATED).length, results };
    await this.requests.updateOne({ _id: id, state: "pending" }, { $set: { state: "done", result } });
    return { ...result, replayed: false };
  }

  /** Records the key, or returns the stored result of the attempt that finished with it. */
  private async begin(id: string, fingerprint: string): Promise<unknown | null> {
    try {
      await this.requests.create({ _id: id, fingerprint, state: "pending", result: null, createdAt: new Date() });
      return null;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const existing = await this.requests.findById(id).lean<ImportRequest>();
    if (existing?.fingerprint !== fingerprint) throw new DomainError("CONFLICT", "This idempotency key was used for a different import");
    return existing.state === "done" ? existing.result : null;
  }

  private async importOne(index: number, input: NewEntry, by: Principal, importId: string) {
    const base = { index, code: input.code, errorCode: null, message: null, fieldErrors: [], entry: null };
    try {
      const entry = await this.curation.createAs(input, by, importId);
      return { ...base, status: CREATED, entry };
    } catch (error) {
      if (!(error instanceof DomainError) || !["CONFLICT", "VALIDATION_FAILED"].includes(error.code)) throw error;
      const mine = error.code === "CONFLICT" ? await this.curation.createdByImport(input.code, importId) : null;
      if (mine) return { ...base, status: CREATED, entry: mine };
      return {
        ...base,
        status: httpStatusOf(error.code),
        errorCode: error.code,
        message: error.message,
        fieldErrors: (error.details.fieldErrors as unknown[]) ?? [],
      };
    }
  }
}
