import type { SpecificationRecord } from "../status-code.model";

/**
 * Every registered code's defining documents, oldest first, ending with the current one: each
 * specification that defined, renamed or redefined the code, with its section. IANA's table
 * (the CSV) names only the current document, and for 17 codes no section; this is the rest.
 * A test checks the last item against the CSV's reference.
 */
export function rfc(number: number, section: string): SpecificationRecord {
  return { document: `RFC ${number}`, section, url: `https://www.rfc-editor.org/rfc/rfc${number}#section-${section}` };
}

// The series of HTTP/1.x core specifications, and where each put its status codes.
const CORE = {
  1945: (s: string) => rfc(1945, s), // HTTP/1.0, Section 9
  2068: (s: string) => rfc(2068, s), // HTTP/1.1, Section 10
  2616: (s: string) => rfc(2616, s), // HTTP/1.1, Section 10
  7231: (s: string) => rfc(7231, s), // HTTP/1.1 Semantics, Section 6
  9110: (s: string) => rfc(9110, s), // HTTP Semantics, Section 15
};

/** The chain 2068 → 2616 → 7231 (or its companion) → 9110, for a code HTTP/1.1 defined first. */
function since2068(s2068: string, s7231: SpecificationRecord, s9110: string): SpecificationRecord[] {
  return [CORE[2068](s2068), CORE[2616](s2068), s7231, CORE[9110](s9110)];
}
/** The same chain from HTTP/1.0 on. */
function since1945(s1945: string, s2068: string, s7231: SpecificationRecord, s9110: string): SpecificationRecord[] {
  return [CORE[1945](s1945), ...since2068(s2068, s7231, s9110)];
}
/** A code HTTP/1.1 added in RFC 2616. */
function since2616(s2616: string, s7231: SpecificationRecord, s9110: string): SpecificationRecord[] {
  return [CORE[2616](s2616), s7231, CORE[9110](s9110)];
}
const r7231 = (s: string) => CORE[7231](s);

export const SPECIFICATION_HISTORY: Record<number, SpecificationRecord[]> = {
  100: since2068("10.1.1", r7231("6.2.1"), "15.2.1"),
  101: since2068("10.1.2", r7231("6.2.2"), "15.2.2"),
  // RFC 4918 dropped 102 from WebDAV; the registry still points at RFC 2518.
  102: [rfc(2518, "10.1")],
  103: [rfc(8297, "2")],
  // A temporary registration for an Internet-Draft: no section is given (a draft's sections move).
  104: [{ document: "draft-ietf-httpbis-resumable-upload-05", section: null, url: "https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-resumable-upload-05" }],
  200: since1945("9.2", "10.2.1", r7231("6.3.1"), "15.3.1"),
  201: since1945("9.2", "10.2.2", r7231("6.3.2"), "15.3.2"),
  202: since1945("9.2", "10.2.3", r7231("6.3.3"), "15.3.3"),
  203: since2068("10.2.4", r7231("6.3.4"), "15.3.4"),
  204: since1945("9.2", "10.2.5", r7231("6.3.5"), "15.3.5"),
  205: since2068("10.2.6", r7231("6.3.6"), "15.3.6"),
  206: since2068("10.2.7", rfc(7233, "4.1"), "15.3.7"),
  207: [rfc(2518, "10.2"), rfc(4918, "11.1")],
  208: [rfc(5842, "7.1")],
  226: [rfc(3229, "10.4.1")],
  300: since1945("9.3", "10.3.1", r7231("6.4.1"), "15.4.1"),
  301: since1945("9.3", "10.3.2", r7231("6.4.2"), "15.4.2"),
  // "Moved Temporarily" in RFC 1945 and 2068; "Found" since RFC 2616.
  302: since1945("9.3", "10.3.3", r7231("6.4.3"), "15.4.3"),
  303: since2068("10.3.4", r7231("6.4.4"), "15.4.4"),
  304: since1945("9.3", "10.3.5", rfc(7232, "4.1"), "15.4.5"),
  305: since2068("10.3.6", r7231("6.4.5"), "15.4.6"),
  306: since2616("10.3.7", r7231("6.4.6"), "15.4.7"),
  307: since2616("10.3.8", r7231("6.4.7"), "15.4.8"),
  308: [rfc(7238, "3"), rfc(7538, "3"), CORE[9110]("15.4.9")],
  400: since1945("9.4", "10.4.1", r7231("6.5.1"), "15.5.1"),
  401: since1945("9.4", "10.4.2", rfc(7235, "3.1"), "15.5.2"),
  402: since2068("10.4.3", r7231("6.5.2"), "15.5.3"),
  403: since1945("9.4", "10.4.4", r7231("6.5.3"), "15.5.4"),
  404: since1945("9.4", "10.4.5", r7231("6.5.4"), "15.5.5"),
  405: since2068("10.4.6", r7231("6.5.5"), "15.5.6"),
  406: since2068("10.4.7", r7231("6.5.6"), "15.5.7"),
  407: since2068("10.4.8", rfc(7235, "3.2"), "15.5.8"),
  408: since2068("10.4.9", r7231("6.5.7"), "15.5.9"),
  409: since2068("10.4.10", r7231("6.5.8"), "15.5.10"),
  410: since2068("10.4.11", r7231("6.5.9"), "15.5.11"),
  411: since2068("10.4.12", r7231("6.5.10"), "15.5.12"),
  412: since2068("10.4.13", rfc(7232, "4.2"), "15.5.13"),
  // "Request Entity Too Large" (2068, 2616), "Payload Too Large" (7231), "Content Too Large" (9110).
  413: since2068("10.4.14", r7231("6.5.11"), "15.5.14"),
  // "Request-URI Too Long" until RFC 7231's "URI Too Long".
  414: since2068("10.4.15", r7231("6.5.12"), "15.5.15"),
  415: since2068("10.4.16", r7231("6.5.13"), "15.5.16"),
  // "Requested Range Not Satisfiable" until RFC 7233's "Range Not Satisfiable".
  416: since2616("10.4.17", rfc(7233, "4.4"), "15.5.17"),
  417: since2616("10.4.18", r7231("6.5.14"), "15.5.18"),
  // HTCPCP's joke, then reserved by HTTP Semantics as "(Unused)".
  418: [rfc(2324, "2.3.2"), rfc(7168, "2.3.3"), CORE[9110]("15.5.19")],
  421: [rfc(7540, "9.1.2"), CORE[9110]("15.5.20")],
  // WebDAV's "Unprocessable Entity", moved into HTTP Semantics as "Unprocessable Content".
  422: [rfc(2518, "10.3"), rfc(4918, "11.2"), CORE[9110]("15.5.21")],
  423: [rfc(2518, "10.4"), rfc(4918, "11.3")],
  424: [rfc(2518, "10.5"), rfc(4918, "11.4")],
  425: [rfc(8470, "5.2")],
  426: [rfc(2817, "4.2"), r7231("6.5.15"), CORE[9110]("15.5.22")],
  428: [rfc(6585, "3")],
  429: [rfc(6585, "4")],
  431: [rfc(6585, "5")],
  451: [rfc(7725, "3")],
  500: since1945("9.5", "10.5.1", r7231("6.6.1"), "15.6.1"),
  501: since1945("9.5", "10.5.2", r7231("6.6.2"), "15.6.2"),
  502: since1945("9.5", "10.5.3", r7231("6.6.3"), "15.6.3"),
  503: since1945("9.5", "10.5.4", r7231("6.6.4"), "15.6.4"),
  504: since2068("10.5.5", r7231("6.6.5"), "15.6.5"),
  505: since2068("10.5.6", r7231("6.6.6"), "15.6.6"),
  506: [rfc(2295, "8.1")],
  507: [rfc(2518, "10.6"), rfc(4918, "11.5")],
  508: [rfc(5842, "7.2")],
  // IANA's entry cites both: the status change that moved RFC 2774 to Historic is the latest.
  510: [rfc(2774, "7"), { document: "status-change-http-experiments-to-historic", section: null, url: "https://datatracker.ietf.org/doc/status-change-http-experiments-to-historic/" }],
  511: [rfc(6585, "6")],
};
