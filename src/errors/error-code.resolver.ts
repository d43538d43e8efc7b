import { Ctx, FieldResolver, Query, Resolver, Root } from "type-graphql";
import type { StatusCodeRecord } from "../catalogue/status-code.model";
import { StatusCode } from "../catalogue/status-code.type";
import type { AppContext } from "../graphql/context";
import { ERROR_CODES, ERROR_TABLE } from "./error-codes";
import { ErrorCodeInfo } from "./error-code.type";

@Resolver(() => ErrorCodeInfo)
export class ErrorCodeResolver {
  @Query(() => [ErrorCodeInfo], { description: "The error table: every error code with its HTTP status." })
  errorCodes(): ErrorCodeInfo[] {
    return ERROR_CODES.map((code) => ({ code, ...ERROR_TABLE[code] }));
  }

  @FieldResolver(() => StatusCode, { nullable: true, description: "The catalogue entry of httpStatus (null if it was retired)." })
  statusCode(@Root() info: ErrorCodeInfo, @Ctx() ctx: AppContext): StatusCodeRecord | null {
    return ctx.catalogue.active(info.httpStatus);
  }
}
