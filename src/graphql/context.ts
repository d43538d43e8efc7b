import DataLoader from "dataloader";
import type { Principal } from "../auth/principal";
import type { CatalogueService } from "../catalogue/catalogue.service";
import type { CurationService } from "../curation/curation.service";
import type { ImportService } from "../curation/import.service";
import type { StatusCodeRecord } from "../catalogue/status-code.model";
import type { ChargeFn } from "../http/rate-limit";

/** Built fresh for every request, so loader caches never outlive it. */
export interface Services {
  catalogue: CatalogueService;
  curation: CurationService;
  imports: ImportService;
}

export interface AppContext extends Services {
  requestId: string;
  /** The API key's owner; null for anonymous callers (reads are public). */
  principal: Principal | null;
  /** Batches every entry lookup of one tick of execution into one `$in` query. */
  statusCodeByCode: DataLoader<number, StatusCodeRecord | null>;
  /** Spends the caller's rate budget (the operation's cost, once it is known). */
  charge: ChargeFn;
}

export function createContext(requestId: string, principal: Principal | null, services: Services, charge: ChargeFn): AppContext {
  return {
    ...services,
    requestId,
    principal,
    charge,
    statusCodeByCode: new DataLoader((codes) => services.catalogue.findByCodes(codes)),
  };
}
