import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { flatString } from "../graphql/context";

export const REQUEST_ID_HEADER = "x-request-id";
const SAFE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Keeps a caller's id when it is safe to log and echo, so traces join up; otherwise a new one. */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === "string" && SAFE_ID.test(given) ? given : flatString(randomUUID()); // a stream keeps it
}
