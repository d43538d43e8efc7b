import { Arg, Args, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { ERROR_CODES, ERROR_TABLE, ErrorCode, factsOf, PARTIAL_SUCCESS } from "../errors/error-codes";
import { ErrorCodeInfo } from "../errors/error-code.type";
import { toGlobalId } from "../relay/global-id";
import type { CatalogueContext, ComparisonView } from "./catalogue.service";
import { Comparison } from "./comparison.type";
import { isRedirect, isRetryable, REDIRECT_RULE, RETRYABLE_RULE } from "./example";
import { LanguageConstant } from "./language-constant.type";
import { constantsOf } from "./language-constants";
import { CodeArgs, StatusCodesArgs } from "./status-code.inputs";
import type { StatusCodeRecord } from "./status-code.model";
import { Retirement, StatusClassInfo, StatusCode, StatusCodeConnection } from "./status-code.type";

@Resolver(() => StatusCode)
export class CatalogueResolver {
  @Query(() => StatusCode, { nullable: true, description: "One entry. Unknown code: null and a NOT_FOUND error." })
  statusCode(@Args() { code }: CodeArgs, @Ctx() ctx: CatalogueContext): StatusCodeRecord {
    return ctx.catalogue.getByCode(code);
  }

  @Query(() => StatusCodeConnection, { description: "Entries, filtered and ordered, as a Relay connection." })
  statusCodes(@Args() args: StatusCodesArgs, @Ctx() ctx: CatalogueContext) {
    return ctx.catalogue.list(args);
  }

  @Query(() => [StatusClassInfo], { description: "The five classes with their ranges and entry counts." })
  statusClasses(@Ctx() ctx: CatalogueContext) {
    return ctx.catalogue.classes();
  }

  @Query(() => Comparison, {
    nullable: true,
    description:
      "Which of a and b to use, from a's side (chooseThisWhen is about a); null when the catalogue compares them nowhere. (b, a) is the same pair from b's side.",
  })
  compareStatusCodes(
    @Arg("a", () => Int, { description: "The code whose side to read." }) a: number,
    @Arg("b", () => Int, { description: "The other code." }) b: number,
    @Ctx() ctx: CatalogueContext,
  ): ComparisonView | null {
    return ctx.catalogue.compare(a, b);
  }

  @FieldResolver(() => [Comparison], {
    description:
      "Which to use, this code or another, for each code the catalogue compares it with (401 and 403; 302, 303 and 307…), lowest other code first. A pair reads the same from either side, with the two texts swapped.",
  })
  comparisons(@Root() entry: StatusCodeRecord, @Ctx() ctx: CatalogueContext): ComparisonView[] {
    return ctx.catalogue.comparisons(entry.code);
  }

  @FieldResolver(() => ID)
  id(@Root() entry: StatusCodeRecord): string {
    return toGlobalId("StatusCode", entry.code);
  }

  @FieldResolver(() => [StatusCode], { description: "Codes often confused with or used instead of this one." })
  related(@Root() entry: StatusCodeRecord, @Ctx() ctx: CatalogueContext): StatusCodeRecord[] {
    return entry.relatedCodes.map((c) => ctx.catalogue.active(c)).filter((e): e is StatusCodeRecord => e !== null);
  }

  @FieldResolver(() => Retirement, { nullable: true, description: "Set when the entry is retired." })
  retired(@Root() entry: StatusCodeRecord) {
    return entry.retired ?? null;
  }

  @FieldResolver(() => Boolean, { description: REDIRECT_RULE })
  redirect(@Root() entry: StatusCodeRecord): boolean {
    return isRedirect(entry.code);
  }

  @FieldResolver(() => Boolean, { description: RETRYABLE_RULE })
  retryable(@Root() entry: StatusCodeRecord): boolean {
    return isRetryable(entry.code);
  }

  @FieldResolver(() => [LanguageConstant], {
    description:
      "How Node, Python, Go, Java (the JDK) and Rust's http crate name this code, read from each by scripts/language-constants.ts with the version read. A language that does not know the code has no item: Java's HttpURLConnection has none for 425.",
  })
  constants(@Root() entry: StatusCodeRecord): readonly LanguageConstant[] {
    return constantsOf(entry.code);
  }

  @FieldResolver(() => [ErrorCode], {
    description: "The error codes of this API whose httpStatus is this code; for 294 Partial Success, the codes of field errors, which this API sends within a 294.",
  })
  apiErrorCodes(@Root() entry: StatusCodeRecord): ErrorCode[] {
    if (entry.code === PARTIAL_SUCCESS) return ERROR_CODES.filter((c) => factsOf(c).fieldError);
    return ERROR_CODES.filter((c) => ERROR_TABLE[c].httpStatus === entry.code);
  }
}

/** The catalogue entry of each error code's status: the error table links into the catalogue, not the reverse. */
@Resolver(() => ErrorCodeInfo)
export class ErrorCodeEntryResolver {
  @FieldResolver(() => StatusCode, { nullable: true, description: "The catalogue entry of httpStatus (null if it was retired)." })
  statusCode(@Root() info: ErrorCodeInfo, @Ctx() ctx: CatalogueContext): StatusCodeRecord | null {
    return ctx.catalogue.active(info.httpStatus);
  }
}
