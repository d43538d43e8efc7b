import { type Connection, Schema } from "mongoose";
import { ROLES, type Role } from "./principal";

export interface ApiKeyRecord {
  _id: string;
  name: string;
  role: Role;
  /** SHA-256 of the key. The key itself is shown once, at creation, and never stored. */
  hash: string;
  /** The first characters of the key, to tell keys apart in listings. */
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

const ApiKeySchema = new Schema<ApiKeyRecord>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    role: { type: String, enum: ROLES, required: true },
    hash: { type: String, required: true },
    prefix: { type: String, required: true },
    createdAt: { type: Date, required: true },
    revokedAt: { type: Date, default: null },
  },
  { collection: "api_keys", versionKey: false },
);
ApiKeySchema.index({ hash: 1 }, { unique: true });

export function apiKeyModel(connection: Connection) {
  return connection.models.ApiKey ?? connection.model<ApiKeyRecord>("ApiKey", ApiKeySchema);
}
export type ApiKeyModel = ReturnType<typeof apiKeyModel>;
