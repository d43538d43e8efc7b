import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GraphQLError } from "graphql";
import { classifyError } from "../src/errors/classify-error";
import { DomainError, withoutStack } from "../src/errors/domain-error";
import { ERROR_CODES, ERROR_TABLE } from "../src/errors/error-codes";
import { PROJECT_ROOT } from "../src/project-root";

describe("The error table", () => {
  test.each(ERROR_CODES)("gives %s an HTTP status in 400-599 and a description", (code) => {
    const { httpStatus, description } = ERROR_TABLE[code];
    expect(httpStatus).toBeGreaterThanOrEqual(400);
    expect(httpStatus).toBeLessThanOrEqual(599);
    expect(description.length).toBeGreaterThan(20);
  });

  test("is docs/errors.md's error code table, row for row", () => {
    const readme = readFileSync(join(PROJECT_ROOT, "docs", "errors.md"), "utf8");
    const rows = [...readme.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(rows).toEqual(ERROR_CODES.map((c) => [c, ERROR_TABLE[c].httpStatus]));
  });
});

describe("When the driver reports a failure, classifyError", () => {
  const driverError = (name: string, code?: number) => Object.assign(new Error("raw driver text"), { name, code });
  test.each([
    [driverError("MongoServerError", 11000), "CONFLICT"],
    [driverError("MongoServerError", 50), "GATEWAY_TIMEOUT"],
    [driverError("MongoNetworkError"), "SERVICE_UNAVAILABLE"],
    [driverError("PoolClearedOnNetworkError"), "SERVICE_UNAVAILABLE"],
    [driverError("MongoServerClosedError"), "SERVICE_UNAVAILABLE"],
    [Object.assign(driverError("MongoServerError", 9001), { hasErrorLabel: (label: string) => label === "RetryableWriteError" }), "SERVICE_UNAVAILABLE"],
    [driverError("CastError"), "BAD_USER_INPUT"],
    [driverError("MongoServerError", 2), "INTERNAL_SERVER_ERROR"],
    [driverError("MongoServerError", 10107), "SERVICE_UNAVAILABLE"],
    [driverError("MongoServerError", 189), "SERVICE_UNAVAILABLE"],
    [driverError("MongoWriteConcernError", 91), "SERVICE_UNAVAILABLE"],
    [Object.assign(driverError("MongoBulkWriteError"), { writeErrors: [{ code: 11000 }] }), "CONFLICT"],
    [Object.assign(driverError("MongoBulkWriteError", 10107), { writeErrors: [] }), "SERVICE_UNAVAILABLE"],
    [driverError("MongoOperationTimeoutError"), "GATEWAY_TIMEOUT"],
    [driverError("ValidationError"), "INTERNAL_SERVER_ERROR"],
    [new TypeError("x is undefined"), "INTERNAL_SERVER_ERROR"],
  ])("maps %p to %s and never passes on the raw message", (error, code) => {
    const classified = classifyError(error);
    expect(classified.code).toBe(code);
    expect(classified.message).not.toContain("raw driver text");
  });
});

describe("When FerretDB reports SQLite's busy or locked storage, classifyError", () => {
  // As the driver throws them: a MongoServerError with FerretDB's InternalError (1) and SQLite's
  // text at the end of its message (the first row was seen for real, in test/healing.test.ts;
  // the others are SQLite's other transient codes in the same format).
  const PREFIX = "[msg_insert.go:168 handler.(*Handler).MsgInsert] [collection.go:135 sqlite.(*collection).InsertAll.func1] ";
  const ferretError = (code: number, tail: string) => Object.assign(new Error(PREFIX + tail), { name: "MongoServerError", code });
  test.each([
    { code: 1, tail: "database is locked (5) (SQLITE_BUSY)", expected: "SERVICE_UNAVAILABLE" },
    { code: 1, tail: "database is locked (517)", expected: "SERVICE_UNAVAILABLE" },
    { code: 1, tail: "database is locked (261)", expected: "SERVICE_UNAVAILABLE" },
    { code: 1, tail: "database is locked (773)", expected: "SERVICE_UNAVAILABLE" },
    { code: 1, tail: "database table is locked (6)", expected: "SERVICE_UNAVAILABLE" },
    { code: 1, tail: "database table is locked: status_codes_1a2b (262)", expected: "SERVICE_UNAVAILABLE" },
    // Tight: another server code, another SQLite code, or the words alone are not a lock.
    { code: 2, tail: "database is locked (5) (SQLITE_BUSY)", expected: "INTERNAL_SERVER_ERROR" },
    { code: 1, tail: "database disk image is malformed (11)", expected: "INTERNAL_SERVER_ERROR" },
    { code: 1, tail: "database is locked (11)", expected: "INTERNAL_SERVER_ERROR" },
    { code: 1, tail: "the user wrote: database is locked", expected: "INTERNAL_SERVER_ERROR" },
  ])("maps code $code, '… $tail', to $expected, without the database's words", ({ code, tail, expected }) => {
    const classified = classifyError(ferretError(code, tail));
    expect(classified.code).toBe(expected);
    expect(classified.message).not.toMatch(/locked|sqlite|malformed/i);
  });

  test("maps a bulk write whose first failed document met the lock to SERVICE_UNAVAILABLE", () => {
    const bulk = Object.assign(new Error("write failed"), { name: "MongoBulkWriteError", writeErrors: [{ code: 1, errmsg: PREFIX + "database is locked (5) (SQLITE_BUSY)" }] });
    expect(classifyError(bulk).code).toBe("SERVICE_UNAVAILABLE");
  });
});

describe("Errors that are expected outcomes (refusals sent to the client)", () => {
  test("are made without a stack, and the stack limit is put back, even when making one throws", () => {
    const limit = Error.stackTraceLimit;
    expect(new DomainError("BAD_REQUEST", "no").stack).toBe("DomainError: no");
    expect(withoutStack(() => new GraphQLError("refused")).stack).toBe("GraphQLError: refused");
    expect(() =>
      withoutStack(() => {
        throw new Error("while making it");
      }),
    ).toThrow("while making it");
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error("ordinary").stack).toContain("\n    at ");
  });
});
