import { Query, Resolver } from "type-graphql";
import { ERROR_CODES, ERROR_TABLE, factsOf } from "./error-codes";
import { ErrorCodeInfo } from "./error-code.type";

/** The error table as a query (each entry's catalogue entry is resolved by the catalogue: ErrorCodeEntryResolver). */
@Resolver(() => ErrorCodeInfo)
export class ErrorCodeResolver {
  @Query(() => [ErrorCodeInfo], { description: "The error table: every error code with its HTTP status." })
  errorCodes(): ErrorCodeInfo[] {
    return ERROR_CODES.map((code) => ({ code, ...ERROR_TABLE[code], webSocketCloseCode: factsOf(code).closeCode ?? null }));
  }
}
