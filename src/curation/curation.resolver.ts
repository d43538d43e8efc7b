import { Arg, Args, ArgsType, Ctx, Field, Int, Mutation, Resolver } from "type-graphql";
import type { CurationContext } from "./context";
import { LIMITS } from "./entry-validation";
import { ImportResult, StatusCodeInput, StatusCodePatch } from "./curation.types";
import { StatusCode } from "../catalogue/status-code.type";

@ArgsType()
class WriteArgs {
  @Field(() => Int, { description: "The entry to change." })
  code!: number;

  @Field(() => Int, { nullable: true, description: "The version you read. Required: without it, PRECONDITION_REQUIRED." })
  expectedVersion?: number;
}

/** Curators' writes: each needs an API key with the editor or admin role. */
@Resolver()
export class CurationResolver {
  @Mutation(() => StatusCode, { description: "Add a vendor or custom code. CONFLICT when the code exists." })
  createStatusCode(@Arg("input", () => StatusCodeInput, { description: "The new entry." }) input: StatusCodeInput, @Ctx() ctx: CurationContext) {
    return ctx.curation.create(input, ctx.principal);
  }

  @Mutation(() => StatusCode, { description: "Change fields of an entry, if it is still at expectedVersion." })
  updateStatusCode(
    @Args() { code, expectedVersion }: WriteArgs,
    @Arg("patch", () => StatusCodePatch, { description: "The fields to change." }) patch: StatusCodePatch,
    @Ctx() ctx: CurationContext,
  ) {
    return ctx.curation.update(code, expectedVersion, patch, ctx.principal);
  }

  @Mutation(() => StatusCode, { description: "Soft-delete: afterwards statusCode(code) answers GONE." })
  retireStatusCode(@Args() { code, expectedVersion }: WriteArgs, @Arg("reason", { description: `Why, for the history (at most ${LIMITS.retireReason} characters).` }) reason: string, @Ctx() ctx: CurationContext) {
    return ctx.curation.retire(code, expectedVersion, reason, ctx.principal);
  }

  @Mutation(() => StatusCode, {
    description: "Bring back a retired entry, or the content of an earlier version (toVersion), as a new version.",
  })
  restoreStatusCode(
    @Arg("code", () => Int, { description: "The entry to restore." }) code: number,
    @Arg("toVersion", () => Int, { nullable: true, description: "An earlier version whose content to bring back; omitted: un-retire." })
    toVersion: number | undefined,
    @Ctx() ctx: CurationContext,
  ) {
    return ctx.curation.restore(code, toVersion, ctx.principal);
  }

  @Mutation(() => ImportResult, {
    description: "Create many entries, one result each (201/409/422). Replaying an idempotencyKey returns the first result.",
  })
  importStatusCodes(
    @Arg("entries", () => [StatusCodeInput], { description: "1 to 500 new entries." }) entries: StatusCodeInput[],
    @Arg("idempotencyKey", { description: "Your id for this import (per API key): a retry with it returns the first result." })
    idempotencyKey: string,
    @Ctx() ctx: CurationContext,
  ) {
    return ctx.imports.import(entries, idempotencyKey, ctx.principal);
  }
}
