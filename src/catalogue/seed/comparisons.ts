import type { ComparisonRecord, SpecificationRecord } from "../status-code.model";
import { SPECIFICATION_HISTORY } from "./specifications";

/**
 * "Which one should I use?": the pairs people look up every day (issue 24) and the pairs the
 * descriptions already contrast. Each side says when to choose its code; the loader appends the
 * section of that code's current specification, which decides it, and lists both sections as
 * references, so the citation cannot disagree with the entry's own specification.
 * [lower code, higher code, choose the lower when, choose the higher when]
 */
const PAIRS: readonly (readonly [number, number, string, string])[] = [
  [
    401,
    403,
    "The request lacks valid authentication credentials for the target resource, so that sending (new) credentials can succeed; the response carries a WWW-Authenticate challenge.",
    "The server understood the request and refuses it: the credentials sent, if any, do not grant access, and repeating the request with them will not help.",
  ],
  [
    400,
    422,
    "The server cannot process the request because of a client error in its form: malformed syntax, invalid framing, content it cannot parse.",
    "The content is well-formed and of a type the server understands, but its instructions cannot be processed: validation errors in parsable content.",
  ],
  [
    404,
    410,
    "The server has no current representation for the target resource, or will not say whether one exists; the condition may be temporary.",
    "The resource is no longer available and this is likely permanent: clients may remove links to it. Cacheable by default.",
  ],
  [
    409,
    412,
    "The request conflicts with the current state of the resource (an edit conflict, a duplicate), and the client may resolve the conflict and resubmit: say what conflicts.",
    "A condition the client put in the request's header fields (If-Match, If-Unmodified-Since) evaluated false: the resource changed since the client read it.",
  ],
  [
    301,
    308,
    "The resource moved for good, and a user agent may change a POST into a GET when it follows the redirect: fine for GET and HEAD.",
    "The resource moved for good, and the client must repeat the request with the same method and content: use it to move a POST or PUT endpoint.",
  ],
  [
    302,
    303,
    "The target resource is temporarily elsewhere and the same request applies there (user agents may change a POST into a GET, for historical reasons).",
    "The answer to the request (typically a POST) is another resource, to be retrieved with GET: the post/redirect/get pattern.",
  ],
  [
    302,
    307,
    "A temporary redirect where it does not matter that user agents may change a POST into a GET: redirects of GET and HEAD.",
    "A temporary redirect that must keep the method and content: the client repeats the POST or PUT at the new URI.",
  ],
  [
    303,
    307,
    "The client should retrieve a different resource with GET: the result of its request, not the same resource moved.",
    "The same request, method and content unchanged, is to be sent to another URI for now.",
  ],
  [
    429,
    503,
    "One client (a user, an API key) sent too many requests in a given time while others are served; Retry-After says when it may try again.",
    "The server cannot handle the request now, whoever sends it (overload, maintenance); the condition is temporary, and Retry-After says for how long.",
  ],
  [
    502,
    504,
    "A gateway or proxy received an invalid response from the upstream server it called (a reset connection, garbage, a protocol error).",
    "A gateway or proxy did not receive a response from the upstream server in time.",
  ],
  [
    403,
    404,
    "The client may learn that the resource exists but may not have it: say so when revealing its existence does no harm.",
    "The resource must not be revealed: the origin server may answer 404 for a forbidden resource, not saying whether a representation exists.",
  ],
  [
    307,
    308,
    "The resource is at another URI for now: clients keep using the original one. The method and content are kept.",
    "The resource moved for good: clients should use the new URI from now on. The method and content are kept.",
  ],
  [
    102,
    202,
    "Only for WebDAV clients that expect it: an interim response saying the server is still working on a long request (RFC 4918 dropped it).",
    "The request was accepted for processing that finishes later: answer at once and give the client a way to follow the work, such as a status resource.",
  ],
  [
    406,
    415,
    "The server cannot produce a response in any form the request's Accept header fields allow: the problem is the response.",
    "The server will not take the request's content in its media type or content coding: the problem is the request body; say which types it accepts.",
  ],
  [
    401,
    407,
    "The origin server needs the client to authenticate (WWW-Authenticate).",
    "A proxy between the client and the origin needs the client to authenticate to it first (Proxy-Authenticate).",
  ],
  [
    412,
    428,
    "The request carried a condition and it evaluated false: the resource changed since the client's copy.",
    "The request carried no condition, and the origin server requires one (If-Match) so that lost updates cannot happen.",
  ],
  [
    408,
    504,
    "The server timed out waiting for the client to send its complete request.",
    "A gateway or proxy timed out waiting for the upstream server's response.",
  ],
  [
    405,
    501,
    "The method is known to the server but not supported by this resource; the Allow header lists the ones it supports.",
    "The server does not support the functionality the request needs, for any resource: a method it does not recognise or implement.",
  ],
];

/** "RFC 9110 Section 15.5.2": how a side's text cites its code's current specification. */
export function citationOf(spec: SpecificationRecord): string {
  return spec.section ? `${spec.document} Section ${spec.section}` : spec.document;
}

function currentSpecification(code: number): SpecificationRecord {
  const history = SPECIFICATION_HISTORY[code];
  if (!history) throw new Error(`A comparison names ${code}, which has no specification history`);
  return { ...history.at(-1)! };
}

/** The comparisons stored on `code`: those of the pairs it is the lower code of. */
export function comparisonsOf(code: number): ComparisonRecord[] {
  return PAIRS.filter(([lower]) => lower === code).map(([lower, higher, chooseLower, chooseHigher]) => {
    const [mine, theirs] = [currentSpecification(lower), currentSpecification(higher)];
    return {
      other: higher,
      chooseThisWhen: `${chooseLower} (${citationOf(mine)})`,
      chooseOtherWhen: `${chooseHigher} (${citationOf(theirs)})`,
      references: [mine, theirs],
    };
  });
}

/** Every pair, lower code first: what a test checks the catalogue against. */
export const COMPARED_PAIRS: readonly (readonly [number, number])[] = PAIRS.map(([a, b]) => [a, b]);
