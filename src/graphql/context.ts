import DataLoader from "dataloader";
import type { CatalogueService } from "../catalogue/catalogue.service";
import type { StatusCodeRecord } from "../catalogue/status-code.model";

/** Built fresh for every request, so loader caches never outlive it. */
export interface AppContext {
  requestId: string;
  catalogue: CatalogueService;
  /** Batches every entry lookup of one tick of execution into one `$in` query. */
  statusCodeByCode: DataLoader<number, StatusCodeRecord | null>;
}

export function createContext(requestId: string, catalogue: CatalogueService): AppContext {
  return {
    requestId,
    catalogue,
    statusCodeByCode: new DataLoader((codes) => catalogue.findByCodes(codes)),
  };
}
