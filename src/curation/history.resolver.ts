import { Args, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { HistoryArgs } from "../catalogue/status-code.inputs";
import type { StatusCodeRecord } from "../catalogue/status-code.model";
import { StatusCode } from "../catalogue/status-code.type";
import type { CurationContext } from "./context";
import { StatusCodeRevisionConnection } from "./curation.types";

/** An entry's history: the writes of curation, shown on the catalogue's type. */
@Resolver(() => StatusCode)
export class HistoryResolver {
  @FieldResolver(() => StatusCodeRevisionConnection, { description: "Every write of this entry, newest first." })
  history(@Root() entry: StatusCodeRecord, @Args() { first, after }: HistoryArgs, @Ctx() ctx: CurationContext) {
    return ctx.curation.history(entry, first, after);
  }
}
