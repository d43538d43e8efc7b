import { registerEnumType } from "type-graphql";

export enum StatusClass {
  INFORMATIONAL = "INFORMATIONAL",
  SUCCESSFUL = "SUCCESSFUL",
  REDIRECTION = "REDIRECTION",
  CLIENT_ERROR = "CLIENT_ERROR",
  SERVER_ERROR = "SERVER_ERROR",
}

export enum Popularity {
  POPULAR = "POPULAR",
  LESS_POPULAR = "LESS_POPULAR",
  OTHER = "OTHER",
}

export enum RegistryStatus {
  REGISTERED = "REGISTERED",
  DEPRECATED = "DEPRECATED",
  UNUSED = "UNUSED",
  OBSOLETED = "OBSOLETED",
  /** Not in the IANA registry: vendor or custom codes added by curators (nginx 499, a CDN's 520). */
  UNREGISTERED = "UNREGISTERED",
}

export enum EntrySource {
  /** Seeded from the IANA registry: only admins may change it. */
  IANA = "IANA",
  /** Added by a curator. */
  CUSTOM = "CUSTOM",
}

export enum RevisionAction {
  SEED = "SEED",
  CREATE = "CREATE",
  UPDATE = "UPDATE",
  RETIRE = "RETIRE",
  RESTORE = "RESTORE",
}

/** Each class by its first digit; the order is the order of the classes. */
export const CLASS_BY_DIGIT: Record<number, StatusClass> = {
  1: StatusClass.INFORMATIONAL,
  2: StatusClass.SUCCESSFUL,
  3: StatusClass.REDIRECTION,
  4: StatusClass.CLIENT_ERROR,
  5: StatusClass.SERVER_ERROR,
};

export function classOf(code: number): StatusClass {
  return CLASS_BY_DIGIT[Math.floor(code / 100)];
}

registerEnumType(StatusClass, { name: "StatusClass", description: "The class of a status code, from its first digit (RFC 9110 Section 15)." });
registerEnumType(Popularity, {
  name: "Popularity",
  description: "The grouping of the original catalogue document: popular, less popular, or not listed there.",
});
registerEnumType(RegistryStatus, { name: "RegistryStatus", description: "The entry's status in the IANA registry." });
registerEnumType(EntrySource, { name: "EntrySource", description: "Where an entry came from." });
registerEnumType(RevisionAction, { name: "RevisionAction", description: "What a write did." });
