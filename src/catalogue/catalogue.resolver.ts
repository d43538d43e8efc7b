import { Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import { ERROR_CODES, ERROR_TABLE, ErrorCode } from "../errors/error-codes";
import type { AppContext } from "../graphql/context";
import { toGlobalId } from "../graphql/global-id";
import { Retirement, StatusCodeRevisionConnection } from "../curation/curation.types";
import { isRedirect, isRetryable, REDIRECT_RULE, RETRYABLE_RULE } from "./example";
import { CodeArgs, HistoryArgs, StatusCodesArgs } from "./status-code.inputs";
import type { StatusCodeRecord } from "./status-code.model";
import { StatusClassInfo, StatusCode, StatusCodeConnection } from "./status-code.type";

@Resolver(() => StatusCode)
export class CatalogueResolver {
  @Query(() => StatusCode, { nullable: true, description: "One entry. Unknown code: null and a NOT_FOUND error." })
  statusCode(@Args() { code }: CodeArgs, @Ctx() ctx: AppContext): StatusCodeRecord {
    return ctx.catalogue.getByCode(code);
  }

  @Query(() => StatusCodeConnection, { description: "Entries, filtered and ordered, as a Relay connection." })
  statusCodes(@Args() args: StatusCodesArgs, @Ctx() ctx: AppContext) {
    return ctx.catalogue.list(args);
  }

  @Query(() => [StatusClassInfo], { description: "The five classes with their ranges and entry counts." })
  statusClasses(@Ctx() ctx: AppContext) {
    return ctx.catalogue.classes();
  }

  @FieldResolver(() => ID)
  id(@Root() entry: StatusCodeRecord): string {
    return toGlobalId("StatusCode", entry.code);
  }

  @FieldResolver(() => [StatusCode], { description: "Codes often confused with or used instead of this one." })
  related(@Root() entry: StatusCodeRecord, @Ctx() ctx: AppContext): StatusCodeRecord[] {
    return entry.relatedCodes.map((c) => ctx.catalogue.active(c)).filter((e): e is StatusCodeRecord => e !== null);
  }

  @FieldResolver(() => Retirement, { nullable: true, description: "Set when the entry is retired." })
  retired(@Root() entry: StatusCodeRecord) {
    return entry.retired ?? null;
  }

  @FieldResolver(() => StatusCodeRevisionConnection, { description: "Every write of this entry, newest first." })
  history(@Root() entry: StatusCodeRecord, @Args() { first, after }: HistoryArgs, @Ctx() ctx: AppContext) {
    return ctx.curation.history(entry, first, after);
  }

  @FieldResolver(() => Boolean, { description: REDIRECT_RULE })
  redirect(@Root() entry: StatusCodeRecord): boolean {
    return isRedirect(entry.code);
  }

  @FieldResolver(() => Boolean, { description: RETRYABLE_RULE })
  retryable(@Root() entry: StatusCodeRecord): boolean {
    return isRetryable(entry.code);
  }

  @FieldResolver(() => [ErrorCode], { description: "The error codes of this API whose httpStatus is this code." })
  apiErrorCodes(@Root() entry: StatusCodeRecord): ErrorCode[] {
    return ERROR_CODES.filter((c) => ERROR_TABLE[c].httpStatus === entry.code);
  }
}
