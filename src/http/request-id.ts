import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const REQUEST_ID_HEADER = "x-request-id";
const SAFE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Keeps a caller's id when it is safe to log and echo, so traces join up; otherwise a new one. */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === "string" && SAFE_ID.test(given) ? given : newRequestId();
}

/**
 * A new id, as one flat string: randomUUID's text is a rope of seven concatenated pieces (about
 * 220 bytes instead of 56), kept for as long as a subscription that logs and reports it lives.
 */
export function newRequestId(): string {
  return Buffer.from(randomUUID(), "latin1").toString("latin1");
}
