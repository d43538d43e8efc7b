import type { TemporaryRegistrationRecord } from "../status-code.model";
import { READ_ON } from "./unofficial";

/**
 * The registry's temporary registrations (RFC 9110 Section 16.2.1), with the dates IANA's table
 * writes into the name ("TEMPORARY - registered …, expires …"). The CSV keeps the name without
 * them (its cells hold no commas); a test checks every "temporary" row has its entry here.
 */
export const TEMPORARY_REGISTRATIONS: Record<number, TemporaryRegistrationRecord> = {
  104: {
    registeredOn: "2024-11-13",
    extendedOn: ["2025-09-15"],
    expiresOn: "2026-11-13",
    excerpt: {
      text: "104 Upload Resumption Supported (TEMPORARY - registered 2024-11-13, extension registered 2025-09-15, expires 2026-11-13)",
      readOn: READ_ON,
      provenance:
        "IANA's registry (https://www.iana.org/assignments/http-status-codes/) could not be reached from here. Quoted from a copy of its http-status-codes-1.csv (registry last updated 2025-09-15, downloaded 2026-10-09) in a public source file found with the search tool's code index (file id 70432889283); other public copies give the same dates. The expiry date is before this reading: whether IANA extended or removed the registration since could not be checked.",
    },
  },
};
