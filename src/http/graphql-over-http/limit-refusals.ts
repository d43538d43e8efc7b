import type { FastifyError, FastifyRequest } from "fastify";
import type { Refusal } from "../exit/refusal";

/** The body types a POST may have: Fastify's other default (text/plain) is removed by the server. */
export const BODY_TYPES = ["application/json"];

/**
 * The refusals of a request over a limit, each naming the limit, its setting and the value
 * received, in the message (for a person) and in `extensions` (for a program): a client told
 * "too large" cannot tell by how much, nor whether the limit is the server's or a proxy's.
 */
export function urlTooLong(receivedBytes: number, limitBytes: number): Refusal {
  return {
    code: "URI_TOO_LONG",
    message: `The URL is ${receivedBytes} bytes, over the limit of ${bytesText(limitBytes)} (MAX_URL_BYTES=${limitBytes}): send the query in a POST body`,
    details: { limit: limitBytes, received: receivedBytes },
  };
}

/**
 * Fastify's own refusals of a body, named after the limit; undefined for any other error. A
 * body sent chunked is refused as soon as it passes the limit, so its size is not known then.
 */
export function bodyRefusal(error: FastifyError, request: FastifyRequest, bodyLimitBytes: number): Refusal | undefined {
  if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    const declared = Number(request.headers["content-length"]);
    const known = Number.isSafeInteger(declared) && declared > bodyLimitBytes;
    return {
      code: "PAYLOAD_TOO_LARGE",
      message: `The request body${known ? ` is ${declared} bytes,` : " is"} over the limit of ${bytesText(bodyLimitBytes)} (BODY_LIMIT_BYTES=${bodyLimitBytes})`,
      details: { limit: bodyLimitBytes, ...(known && { received: declared }) },
    };
  }
  if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    const received = request.headers["content-type"] ?? null;
    return {
      code: "UNSUPPORTED_MEDIA_TYPE",
      message: `${received === null ? "A body with no Content-Type" : `Content-Type ${received}`} is not accepted: send ${BODY_TYPES.join(" or ")}`,
      details: { accepted: BODY_TYPES, received },
    };
  }
  return undefined;
}

/** 1048576 → "1 MiB", 2048 → "2 KiB", 1000 → "1000 bytes". */
export function bytesText(bytes: number): string {
  for (const [unit, size] of [["MiB", 1024 * 1024], ["KiB", 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}
