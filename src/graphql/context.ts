import type { OperationTypeNode } from "graphql";
import type { Principal } from "../auth/principal";
import type { CatalogueService } from "../catalogue/catalogue.service";
import type { CurationService } from "../curation/curation.service";
import type { ImportService } from "../curation/import.service";
import type { ChargeFn } from "../http/rate-limit";

export interface Services {
  catalogue: CatalogueService;
  curation: CurationService;
  imports: ImportService;
}

export interface AppContext extends Services {
  requestId: string;
  /** The API key's owner; null for anonymous callers (reads are public). */
  principal: Principal | null;
  /** Spends the caller's rate budget (the operation's cost, once it is known). */
  charge: ChargeFn;
  /**
   * What the HTTP layer learns of the operation once Apollo resolved it. An object, not a
   * field: Apollo runs each operation on a shallow copy of the context.
   */
  operation: { type?: OperationTypeNode; name?: string };
}

export function createContext(requestId: string, principal: Principal | null, services: Services, charge: ChargeFn): AppContext {
  return {
    ...services,
    requestId,
    principal,
    charge,
    operation: {},
  };
}
