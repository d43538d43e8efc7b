import { Field, ObjectType } from "type-graphql";

@ObjectType({ description: "Relay cursor connection page information." })
export class PageInfo {
  @Field({ description: "Whether more items follow the last of this page." })
  hasNextPage!: boolean;

  @Field({ description: "Whether items precede the first of this page." })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: "The cursor of the first item; null on an empty page." })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: "The cursor of the last item; null on an empty page." })
  endCursor!: string | null;
}
