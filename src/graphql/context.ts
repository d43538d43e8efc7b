import type { OperationTypeNode } from "graphql";
import type { Principal } from "../auth/principal";
import type { CatalogueService } from "../catalogue/catalogue.service";
import type { CurationService } from "../curation/curation.service";
import type { ImportService } from "../curation/import.service";
import type { ErrorCode } from "../errors/error-codes";
import type { ChargeFn } from "./charge";

export interface Services {
  catalogue: CatalogueService;
  curation: CurationService;
  imports: ImportService;
}

/**
 * What one request's execution learns and reports, shared with the transport that runs it
 * (the HTTP pipeline's request state is one): an object, not fields of the context, because
 * Apollo runs each operation on a shallow copy of the context.
 */
export interface RequestRecord {
  readonly id: string;
  /** The media type the result is sent as. */
  mediaType?: string;
  /** The HTTP method that carried it, where one did: QUERY runs queries only. */
  method?: string;
  operation: {
    type?: OperationTypeNode;
    name?: string;
    cost?: number;
    /** It ran one of the server's trusted documents (TRUSTED_DOCUMENTS): its name is the app's, not a caller's. */
    listed?: boolean;
  };
  /** The codes of the errors sent, in order. */
  errorCodes: ErrorCode[];
}

export interface AppContext extends Services {
  requestId: string;
  /** The API key's owner; null for anonymous callers (reads are public). */
  principal: Principal | null;
  /** Spends the caller's rate budget (the operation's cost, once it is known). */
  charge: ChargeFn;
  request: RequestRecord;
}

export function createContext(request: RequestRecord, principal: Principal | null, services: Services, charge: ChargeFn): AppContext {
  return { ...services, requestId: request.id, principal, charge, request };
}
