import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import { DomainError } from "../errors/domain-error";
import type { AppContext } from "./context";
import { fromGlobalId } from "../relay/global-id";
import { Node } from "../relay/node.type";

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: "Any object by its global id." })
  node(@Arg("id", () => ID, { description: "An id this API issued (StatusCode.id)." }) id: string, @Ctx() ctx: AppContext) {
    const { key } = fromGlobalId(id); // StatusCode is the only node type so far
    const code = Number(key);
    if (!Number.isInteger(code)) throw new DomainError("BAD_USER_INPUT", "Invalid id: not an id issued by this API");
    return { ...ctx.catalogue.getByCode(code), __typename: "StatusCode" };
  }
}
