import { type Connection, Schema } from "mongoose";
import { Popularity, RegistryStatus, StatusClass } from "./status-code.enums";

/** An entry as stored and as services return it (plain object, from `.lean()`). */
export interface StatusCodeRecord {
  code: number;
  reasonPhrase: string;
  formerNames: string[];
  class: StatusClass;
  description: string;
  popularity: Popularity;
  registryStatus: RegistryStatus;
  specification: { document: string; section: string | null; url: string };
  cacheableByDefault: boolean;
  bodyAllowed: boolean;
  typicalHeaders: string[];
  relatedCodes: number[];
  /** Starts at 1; every change of content adds one. */
  version: number;
  /** Which seed revision wrote this entry, and the version that write produced. */
  seed: { revision: number; version: number } | null;
  createdAt: Date;
  updatedAt: Date;
}

const StatusCodeSchema = new Schema<StatusCodeRecord>(
  {
    code: { type: Number, required: true, min: 100, max: 599 },
    reasonPhrase: { type: String, required: true },
    formerNames: { type: [String], default: [] },
    class: { type: String, enum: Object.values(StatusClass), required: true },
    description: { type: String, required: true },
    popularity: { type: String, enum: Object.values(Popularity), required: true },
    registryStatus: { type: String, enum: Object.values(RegistryStatus), required: true },
    specification: {
      document: { type: String, required: true },
      section: { type: String, default: null },
      url: { type: String, required: true },
    },
    cacheableByDefault: { type: Boolean, required: true },
    bodyAllowed: { type: Boolean, required: true },
    typicalHeaders: { type: [String], default: [] },
    relatedCodes: { type: [Number], default: [] },
    version: { type: Number, required: true, min: 1 },
    seed: { type: new Schema({ revision: Number, version: Number }, { _id: false }), default: null },
  },
  { collection: "status_codes", timestamps: true, versionKey: false },
);

// Unique: the code is the entry's identity. The compound ones serve the keyset orderings.
StatusCodeSchema.index({ code: 1 }, { unique: true });
StatusCodeSchema.index({ reasonPhrase: 1, code: 1 });
StatusCodeSchema.index({ class: 1, code: 1 });

export function statusCodeModel(connection: Connection) {
  return connection.models.StatusCode ?? connection.model<StatusCodeRecord>("StatusCode", StatusCodeSchema);
}
export type StatusCodeModel = ReturnType<typeof statusCodeModel>;
