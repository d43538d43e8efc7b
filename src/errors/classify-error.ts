import { GraphQLError } from "graphql";
import { ArgumentValidationError } from "type-graphql";
import { getMetadataStorage, type ValidationError } from "class-validator";
import { isDuplicateKey } from "../db/duplicate-key";
import { DomainError } from "./domain-error";
import { codeForStatus, type ErrorCode, isErrorCode } from "./error-codes";

export interface ClassifiedError {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

const MASKED_MESSAGE = "Internal server error";

// Matched by name, not instanceof: mongoose and the driver may be loaded more than once.
const UNREACHABLE = new Set([
  "MongoServerSelectionError",
  "MongooseServerSelectionError",
  "MongoNetworkError",
  "MongoNetworkTimeoutError",
  "MongoNotConnectedError",
  "MongoTopologyClosedError",
  "MongoPoolClearedError",
  // Its subclass, with a name of its own: an operation in flight when the server monitor saw the
  // server go (a killed database), interrupted before its answer came.
  "PoolClearedOnNetworkError",
  "MongoServerClosedError",
]);
// The driver's own labels for "the pool was reset, retrying is safe": whatever the class, not now.
const RETRY_LABELS = ["PoolRequestedRetry", "ResetPool", "RetryableWriteError"];
// Server error codes that mean "not now": no writable primary, shutting down, disk full.
const NOT_NOW = new Set([
  10107, // NotWritablePrimary
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
  189, // PrimarySteppedDown
  91, // ShutdownInProgress
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  14031, // OutOfDiskSpace
]);
// FerretDB reports SQLite's "database or disk is full" with a generic code: only the text says it.
const DISK_FULL = /disk is full|no space left on device/i;
const MAX_TIME_MS_EXPIRED = 50;
// FerretDB on SQLite: a statement still running when its maxTimeMS runs out is interrupted, and
// SQLite's SQLITE_INTERRUPT (9) comes back as an InternalError (1) whose message ends
// "sqlite.(*collection).Query] interrupted (9)". The same timeout as MaxTimeMSExpired, caught later.
const INTERNAL_ERROR = 1;
const SQLITE_INTERRUPTED = /\binterrupted \(9\)\s*$/;
// FerretDB on SQLite: a write that waited out SQLite's busy timeout (FerretDB's is 10 s) for a
// lock another connection or process holds fails as an InternalError (1) whose message ends
// "database is locked (5) (SQLITE_BUSY)" (seen: SQLite's file held by BEGIN EXCLUSIVE), or with
// another transient busy or locked code: SQLITE_BUSY_RECOVERY 261, SQLITE_BUSY_SNAPSHOT 517,
// SQLITE_BUSY_TIMEOUT 773, SQLITE_LOCKED 6 ("database table is locked"), SQLITE_LOCKED_SHAREDCACHE
// 262. SQLite rolled the statement back, and it succeeds once the lock is gone: "not now".
const SQLITE_BUSY = /\bdatabase (table )?is locked\b.*\((5|6|261|262|517|773)\)( \(SQLITE_BUSY\))?\s*$/;

/**
 * Decides what a client may learn about any thrown value. Unknown errors are masked, whatever
 * NODE_ENV says. Never throws.
 */
export function classifyError(error: unknown): ClassifiedError {
  const cause = error instanceof GraphQLError && error.originalError ? error.originalError : error;

  if (cause instanceof DomainError) {
    return { code: cause.code, message: cause.message, details: cause.details };
  }
  if (cause instanceof ArgumentValidationError) {
    const invalidArgs = flattenValidation(cause.extensions.validationErrors as ValidationError[]);
    return { code: "BAD_USER_INPUT", message: `Invalid argument: ${invalidArgs.map(describeInvalid).join("; ")}`, details: { invalidArgs } };
  }
  if (cause instanceof Error) {
    const { name } = cause;
    const mongoCode = (cause as { code?: unknown }).code;
    if (UNREACHABLE.has(name)) return known("SERVICE_UNAVAILABLE");
    // Only the driver's errors have labels.
    const labelled = (cause as { hasErrorLabel?: (label: string) => boolean }).hasErrorLabel;
    if (typeof labelled === "function" && RETRY_LABELS.some((label) => labelled.call(cause, label))) return known("SERVICE_UNAVAILABLE");
    if (name === "MongoOperationTimeoutError") return known("GATEWAY_TIMEOUT");
    // A bulk write fails as its first failed document did.
    const first = (cause as { writeErrors?: { code?: number; errmsg?: string }[] }).writeErrors?.[0];
    const serverCode = typeof mongoCode === "number" ? mongoCode : first?.code;
    if (name.startsWith("Mongo") && serverCode !== undefined) {
      if (NOT_NOW.has(serverCode) || DISK_FULL.test(`${cause.message} ${first?.errmsg ?? ""}`)) return known("SERVICE_UNAVAILABLE");
      if (serverCode === MAX_TIME_MS_EXPIRED) return known("GATEWAY_TIMEOUT");
      if (serverCode === INTERNAL_ERROR && SQLITE_INTERRUPTED.test(cause.message)) return known("GATEWAY_TIMEOUT");
      if (serverCode === INTERNAL_ERROR && [cause.message, first?.errmsg].some((text) => text !== undefined && SQLITE_BUSY.test(text))) return known("SERVICE_UNAVAILABLE");
      if (isDuplicateKey({ code: serverCode })) return known("CONFLICT");
    }
    if (name === "CastError") return { code: "BAD_USER_INPUT", message: "Invalid identifier", details: {} };
  }
  // Errors raised by graphql-js or Apollo around execution (parse, validation, variables,
  // persisted queries) carry a code of their own and a message written for clients.
  // An arbitrary error thrown in a resolver never has one, so it falls through to the mask.
  if (error instanceof GraphQLError) {
    const code = error.extensions?.code;
    if (isErrorCode(code) && code !== "INTERNAL_SERVER_ERROR") {
      // Apollo labels its 405 and 406 BAD_REQUEST: name them after the status they are sent with.
      const status = (error.extensions?.http as { status?: number } | undefined)?.status;
      const byStatus = status !== undefined ? codeForStatus(status) : undefined;
      return { code: code === "BAD_REQUEST" && byStatus ? byStatus : code, message: error.message, details: {} };
    }
    // Apollo's refusal of a persisted query whose hash does not match it has no code, only a 400.
    const status = (error.extensions?.http as { status?: number } | undefined)?.status;
    if (code === undefined && status === 400) return { code: "BAD_REQUEST", message: error.message, details: {} };
  }
  return { code: "INTERNAL_SERVER_ERROR", message: MASKED_MESSAGE, details: {} };
}

function known(code: ErrorCode): ClassifiedError {
  const messages: Partial<Record<ErrorCode, string>> = {
    SERVICE_UNAVAILABLE: "The database is unavailable; retry later",
    GATEWAY_TIMEOUT: "The database did not answer in time",
    CONFLICT: "The entry conflicts with an existing one",
  };
  return { code, message: messages[code] ?? code, details: {} };
}

/** An argument that broke a rule: its path, the rules, their bounds, and what was received. */
interface InvalidArg {
  field: string;
  constraints: string[];
  /** With a bound broken: the bounds of the argument's rules (min, max, minLength, maxLength...), broken or not. */
  limits?: Record<string, number>;
  /** A number as received (a number reveals nothing the caller did not choose to send)... */
  received?: number;
  /** ...a text or list by its length only: the rejected value itself is never echoed back. */
  receivedLength?: number;
}

/** Rules whose one constraint is a numeric bound, by their class-validator names. */
const BOUNDS = new Set(["min", "max", "minLength", "maxLength", "arrayMinSize", "arrayMaxSize"]);

function flattenValidation(errors: ValidationError[], prefix = ""): InvalidArg[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, constraints: Object.keys(e.constraints), ...boundsOf(e) }] : [];
    return [...own, ...flattenValidation(e.children ?? [], field)];
  });
}

/** When a bound is broken: the argument's bounds, read from its class's decorators, and the received number or length. */
function boundsOf(error: ValidationError): Pick<InvalidArg, "limits" | "received" | "receivedLength"> {
  const target = error.target;
  if (!target || !Object.keys(error.constraints ?? {}).some((name) => BOUNDS.has(name))) return {};
  const limits: Record<string, number> = {};
  for (const rule of getMetadataStorage().getTargetValidationMetadatas(target.constructor, "", true, false)) {
    const bound = rule.constraints?.[0];
    if (rule.propertyName === error.property && rule.name && BOUNDS.has(rule.name) && typeof bound === "number") limits[rule.name] = bound;
  }
  if (!Object.keys(limits).length) return {};
  const { value } = error;
  if (typeof value === "number") return { limits, received: value };
  if (typeof value === "string" || Array.isArray(value)) return { limits, receivedLength: value.length };
  return { limits };
}

/** "code is 999, outside 100–599", "filter.search is 101 long, over the maximum of 100", or the field alone. */
function describeInvalid({ field, limits, received, receivedLength }: InvalidArg): string {
  if (received !== undefined && limits) return `${field} is ${received}, ${outside(limits.min, limits.max)}`;
  if (receivedLength !== undefined && limits) {
    return `${field} is ${receivedLength} long, ${outside(limits.minLength ?? limits.arrayMinSize, limits.maxLength ?? limits.arrayMaxSize)}`;
  }
  return field;
}

function outside(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `outside ${min}–${max}`;
  return max !== undefined ? `over the maximum of ${max}` : `under the minimum of ${min}`;
}
