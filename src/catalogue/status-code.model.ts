import { type Connection, Schema } from "mongoose";
import { EntrySource, Popularity, RegistryStatus, RevisionAction, StatusClass } from "./status-code.enums";

export interface SpecificationRecord {
  document: string;
  section: string | null;
  url: string;
}

/** The words of a source that state a fact, and when and from what copy they were read. */
export interface SourceExcerptRecord {
  /** Quoted exactly (elisions marked " … "); empty only for a use written before excerpts existed. */
  text: string;
  /** The ISO date (YYYY-MM-DD) it was read; empty when text is. */
  readOn: string;
  /** What was read: the page itself, a commit of its source, or a stored copy when the page could not be reached. */
  provenance: string;
}

/** One meaning a vendor gives a code, with the documentation that states it. */
export interface UnofficialUseRecord {
  origin: string;
  /** The vendor's own name for the code; null where the vendor gives none. */
  reasonPhrase: string | null;
  /** Always present: the vendor's name, or our descriptive one where it gives none. */
  label: string;
  description: string;
  reference: string;
  /** The sentence or constant of the reference that states the code and this meaning. */
  excerpt: SourceExcerptRecord;
}

/** A temporary IANA registration (RFC 9110 Section 16.2.1): when it was made, extended and expires. */
export interface TemporaryRegistrationRecord {
  /** ISO dates. */
  registeredOn: string;
  extendedOn: string[];
  expiresOn: string;
  /** The registry's entry that states them. */
  excerpt: SourceExcerptRecord;
}

/**
 * "Which one should I use?" between this code and a higher one (other): stored once, on the
 * lower code of the pair, so that it reads the same from either side (the higher code's view is
 * this one with the two texts swapped).
 */
export interface ComparisonRecord {
  other: number;
  /** When this (the lower) code is right, citing the specification section that decides it. */
  chooseThisWhen: string;
  /** When other is right, likewise. */
  chooseOtherWhen: string;
  references: SpecificationRecord[];
}

/** The fields curators edit; a revision's snapshot holds exactly these. */
export interface EntryContent {
  reasonPhrase: string;
  formerNames: string[];
  description: string;
  popularity: Popularity;
  registryStatus: RegistryStatus;
  specification: SpecificationRecord;
  /** Oldest first; the last item is `specification`. */
  specificationHistory: SpecificationRecord[];
  unofficialUses: UnofficialUseRecord[];
  /** This code's comparisons with higher codes (a lower code's with this one are stored on it). */
  comparisons: ComparisonRecord[];
  /** Only for a code IANA registered temporarily (104); null otherwise. */
  temporaryRegistration: TemporaryRegistrationRecord | null;
  cacheableByDefault: boolean;
  bodyAllowed: boolean;
  typicalHeaders: string[];
  relatedCodes: number[];
  /** A response head that agrees with code, reasonPhrase, bodyAllowed and typicalHeaders. */
  example: string;
}
export const CONTENT_FIELDS = [
  "reasonPhrase",
  "formerNames",
  "description",
  "popularity",
  "registryStatus",
  "specification",
  "specificationHistory",
  "unofficialUses",
  "temporaryRegistration",
  "comparisons",
  "cacheableByDefault",
  "bodyAllowed",
  "typicalHeaders",
  "relatedCodes",
  "example",
] as const satisfies readonly (keyof EntryContent)[];

export interface Retirement {
  at: Date;
  reason: string;
  by: string;
}

export interface RevisionRecord {
  /** "code:version" (revisions written before this scheme have an ObjectId). */
  _id?: string;
  code: number;
  version: number;
  action: RevisionAction;
  at: Date;
  by: string;
  changes: { field: string; from: unknown; to: unknown }[];
  /** The entry's content and retirement as of this version: what a rollback restores. */
  snapshot: EntryContent & { retired: Retirement | null };
  /** Entry fields this version sets besides its content: class and source at creation, seed markers. */
  entryFields: Record<string, unknown>;
  /** The import (API key id and idempotency key) that created the entry, for a retry's results. */
  importId?: string;
}

/** An entry as stored and as services return it (plain object, from `.lean()`). */
export interface StatusCodeRecord extends EntryContent {
  code: number;
  class: StatusClass;
  source: EntrySource;
  retired: Retirement | null;
  /** Starts at 1; every write adds one. */
  version: number;
  updatedBy: string;
  /** What the write of this version did (its revision's action); absent on entries not written since it was recorded. */
  lastAction?: RevisionAction;
  /** Which seed revision wrote this entry, and the version that write produced. */
  seed: { revision: number; version: number } | null;
  createdAt: Date;
  updatedAt: Date;
}

const specificationSchema = new Schema(
  { document: { type: String, required: true }, section: { type: String, default: null }, url: { type: String, required: true } },
  { _id: false },
);
const excerptSchema = new Schema({ text: String, readOn: String, provenance: String }, { _id: false });
const unofficialUseSchema = new Schema(
  {
    origin: { type: String, required: true },
    // Null where the vendor gives no name; label then holds ours.
    reasonPhrase: { type: String, default: null },
    // No default: a use written before labels and excerpts existed is completed by the seeding.
    label: { type: String },
    description: { type: String, required: true },
    reference: { type: String, required: true },
    excerpt: { type: excerptSchema },
  },
  { _id: false },
);
const comparisonSchema = new Schema(
  {
    other: { type: Number, required: true },
    chooseThisWhen: { type: String, required: true },
    chooseOtherWhen: { type: String, required: true },
    references: { type: [specificationSchema], default: undefined },
  },
  { _id: false },
);
const temporaryRegistrationSchema = new Schema(
  { registeredOn: String, extendedOn: { type: [String], default: undefined }, expiresOn: String, excerpt: excerptSchema },
  { _id: false },
);
const retirementSchema = new Schema({ at: Date, reason: String, by: String }, { _id: false });

const StatusCodeSchema = new Schema<StatusCodeRecord>(
  {
    code: { type: Number, required: true, min: 100, max: 599 },
    reasonPhrase: { type: String, required: true },
    formerNames: { type: [String], default: [] },
    class: { type: String, enum: Object.values(StatusClass), required: true },
    description: { type: String, required: true },
    popularity: { type: String, enum: Object.values(Popularity), required: true },
    registryStatus: { type: String, enum: Object.values(RegistryStatus), required: true },
    specification: { type: specificationSchema, required: true },
    // No defaults: an entry written before these fields existed is filled in by the seeding.
    specificationHistory: { type: [specificationSchema], default: undefined },
    unofficialUses: { type: [unofficialUseSchema], default: undefined },
    temporaryRegistration: { type: temporaryRegistrationSchema, default: undefined },
    comparisons: { type: [comparisonSchema], default: undefined },
    cacheableByDefault: { type: Boolean, required: true },
    bodyAllowed: { type: Boolean, required: true },
    typicalHeaders: { type: [String], default: [] },
    relatedCodes: { type: [Number], default: [] },
    example: { type: String },
    source: { type: String, enum: Object.values(EntrySource), required: true },
    retired: { type: retirementSchema, default: null },
    version: { type: Number, required: true, min: 1 },
    updatedBy: { type: String, required: true },
    lastAction: { type: String, enum: Object.values(RevisionAction) },
    seed: { type: new Schema({ revision: Number, version: Number }, { _id: false }), default: null },
  },
  { collection: "status_codes", timestamps: true, versionKey: false, minimize: false },
);

// Unique: the code is the entry's identity. The compound ones serve the keyset orderings.
StatusCodeSchema.index({ code: 1 }, { unique: true });
StatusCodeSchema.index({ reasonPhrase: 1, code: 1 });
StatusCodeSchema.index({ class: 1, code: 1 });

const RevisionSchema = new Schema<RevisionRecord>(
  {
    _id: { type: Schema.Types.Mixed },
    code: { type: Number, required: true },
    version: { type: Number, required: true },
    action: { type: String, enum: Object.values(RevisionAction), required: true },
    at: { type: Date, required: true },
    by: { type: String, required: true },
    changes: { type: Schema.Types.Mixed, default: [] },
    snapshot: { type: Schema.Types.Mixed, required: true },
    entryFields: { type: Schema.Types.Mixed, default: {} },
    importId: { type: String },
  },
  { collection: "status_code_revisions", versionKey: false, minimize: false },
);
// One revision per version of an entry: inserting it is how a writer claims that version.
RevisionSchema.index({ code: 1, version: -1 }, { unique: true });

export function statusCodeModel(connection: Connection) {
  return connection.models.StatusCode ?? connection.model<StatusCodeRecord>("StatusCode", StatusCodeSchema);
}
export type StatusCodeModel = ReturnType<typeof statusCodeModel>;

export function revisionModel(connection: Connection) {
  return connection.models.StatusCodeRevision ?? connection.model<RevisionRecord>("StatusCodeRevision", RevisionSchema);
}
export type RevisionModel = ReturnType<typeof revisionModel>;

/** The content fields of an entry; a field an older entry lacks is left out, not set to undefined. */
export function contentOf(entry: EntryContent): EntryContent {
  return Object.fromEntries(CONTENT_FIELDS.filter((f) => entry[f] !== undefined).map((f) => [f, entry[f]])) as unknown as EntryContent;
}
