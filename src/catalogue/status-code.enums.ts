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
  /** Registered temporarily, for a draft (104): see StatusCode.temporaryRegistration for its dates. */
  TEMPORARY = "TEMPORARY",
  /** Not in the IANA registry: vendor codes (nginx 499, Cloudflare 520), seeded or added by curators. */
  UNREGISTERED = "UNREGISTERED",
}

export enum EntrySource {
  /** Seeded from the IANA registry: only admins may change it. */
  IANA = "IANA",
  /** Seeded from vendors' documentation: an unofficial code. Only admins may change it. */
  VENDOR = "VENDOR",
  /** Added by a curator. */
  CUSTOM = "CUSTOM",
}

/** Seeded entries: only admins may change them. */
export const SEEDED_SOURCES: ReadonlySet<EntrySource> = new Set([EntrySource.IANA, EntrySource.VENDOR]);

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

registerEnumType(StatusClass, {
  name: "StatusClass",
  description: "The class of a status code, from its first digit (RFC 9110 Section 15).",
  valuesConfig: {
    INFORMATIONAL: { description: "1xx: the request was received, the process continues." },
    SUCCESSFUL: { description: "2xx: the request was received, understood and accepted." },
    REDIRECTION: { description: "3xx: further action is needed to complete the request." },
    CLIENT_ERROR: { description: "4xx: the request is wrong or cannot be fulfilled." },
    SERVER_ERROR: { description: "5xx: the server failed to fulfil a valid request." },
  },
});
registerEnumType(Popularity, {
  name: "Popularity",
  description: "The grouping of the original catalogue document: popular, less popular, or not listed there.",
  valuesConfig: {
    POPULAR: { description: "Listed among the popular codes: the ones most APIs use." },
    LESS_POPULAR: { description: "Listed among the less popular codes." },
    OTHER: { description: "Not listed in the original document (the rest of the registry, unofficial codes, and custom codes)." },
  },
});
registerEnumType(RegistryStatus, {
  name: "RegistryStatus",
  description: "The entry's status in the IANA registry.",
  valuesConfig: {
    REGISTERED: { description: "Registered and current." },
    DEPRECATED: { description: "Registered, but its specification deprecates it (e.g. 305 Use Proxy)." },
    UNUSED: { description: "Reserved: registered as unused (e.g. 306)." },
    OBSOLETED: { description: "Registered once, made obsolete by a later specification." },
    TEMPORARY: { description: "Registered temporarily for an Internet-Draft (104): temporaryRegistration gives its registration, extension and expiry dates." },
    UNREGISTERED: { description: "Not in the IANA registry: vendor codes (nginx 499, Cloudflare 520), seeded or added by curators." },
  },
});
registerEnumType(EntrySource, {
  name: "EntrySource",
  description: "Where an entry came from.",
  valuesConfig: {
    IANA: { description: "Seeded from the IANA registry: only admins may change it." },
    VENDOR: { description: "Seeded from vendors' documentation (an unofficial code such as nginx 499): only admins may change it." },
    CUSTOM: { description: "Added by a curator." },
  },
});
registerEnumType(RevisionAction, {
  name: "RevisionAction",
  description: "What a write did.",
  valuesConfig: {
    SEED: { description: "Written by the seed at start (first insert, or a newer seed revision)." },
    CREATE: { description: "Created by a curator." },
    UPDATE: { description: "Fields changed by a curator." },
    RETIRE: { description: "Retired (soft-deleted), or rolled back to a retired version: statusCode(code) answers GONE." },
    RESTORE: { description: "Un-retired, or rolled back to the content of an earlier version (a rollback to a retired version is a RETIRE): its event's RESTORED." },
  },
});
