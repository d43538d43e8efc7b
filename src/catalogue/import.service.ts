import { createHash } from "node:crypto";
import { type Connection, Schema } from "mongoose";
import { type Principal, requirePermission } from "../auth/principal";
import { isDuplicateKey } from "../db/duplicate-key";
import { DomainError } from "../errors/domain-error";
import type { CurationService, NewEntry } from "./curation.service";
import { validationFailed } from "./entry-validation";

export const MAX_IMPORT = 500;
const STALE_CLAIM_MS = 60_000;

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
 * Bulk create with one result per entry. The idempotency key is claimed first (unique _id),
 * so a replay, even a concurrent one, writes nothing twice: it gets the stored result.
 * Keys are scoped to the API key that used them.
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
    const earlier = await this.claim(id, fingerprint);
    if (earlier) return { ...(earlier as object), replayed: true };

    try {
      const results = [];
      for (const [index, input] of entries.entries()) results.push(await this.importOne(index, input, by));
      const result = { idempotencyKey: key, created: results.filter((r) => r.status === 201).length, results };
      await this.requests.updateOne({ _id: id }, { $set: { state: "done", result } });
      return { ...result, replayed: false };
    } catch (error) {
      // The database failed mid-way: free the key so the client can retry at once.
      await this.requests.deleteOne({ _id: id, state: "pending" }).catch(() => {});
      throw error;
    }
  }

  /** Claims the key, or returns the stored result of the request that holds it. */
  private async claim(id: string, fingerprint: string): Promise<unknown | null> {
    const existing = await this.requests.findById(id).lean<ImportRequest>();
    if (existing) {
      if (existing.fingerprint !== fingerprint) {
        throw new DomainError("CONFLICT", "This idempotency key was used for a different import");
      }
      if (existing.state === "done") return existing.result;
      if (Date.now() - existing.createdAt.getTime() < STALE_CLAIM_MS) {
        throw new DomainError("CONFLICT", "An import with this idempotency key is still running: retry shortly");
      }
      await this.requests.deleteOne({ _id: id, state: "pending" });
    }
    try {
      await this.requests.create({ _id: id, fingerprint, state: "pending", result: null, createdAt: new Date() });
      return null;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      throw new DomainError("CONFLICT", "An import with this idempotency key is still running: retry shortly");
    }
  }

  private async importOne(index: number, input: NewEntry, by: Principal) {
    const base = { index, code: input.code, errorCode: null, message: null, fieldErrors: [], entry: null };
    try {
      const entry = await this.curation.createAs(input, by);
      return { ...base, status: 201, entry };
    } catch (error) {
      if (!(error instanceof DomainError) || !["CONFLICT", "VALIDATION_FAILED"].includes(error.code)) throw error;
      return {
        ...base,
        status: error.code === "CONFLICT" ? 409 : 422,
        errorCode: error.code,
        message: error.message,
        fieldErrors: (error.details.fieldErrors as unknown[]) ?? [],
      };
    }
  }
}
