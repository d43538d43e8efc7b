import type { Principal } from "../auth/principal";
import type { CatalogueContext } from "../catalogue/catalogue.service";
import type { CurationService } from "./curation.service";
import type { ImportService } from "./import.service";

/** What the curation resolvers need of a request's context. */
export interface CurationContext extends CatalogueContext {
  curation: CurationService;
  imports: ImportService;
  /** The API key's owner; null for anonymous callers. */
  principal: Principal | null;
}
