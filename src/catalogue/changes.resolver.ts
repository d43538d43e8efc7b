import { Arg, Field, Int, ObjectType, registerEnumType, Resolver, Root, Subscription } from "type-graphql";
import type { CatalogueContext } from "./catalogue.service";
import { ChangeKind, type EntryChange } from "./catalogue-events";
import { StatusCode } from "./status-code.type";

registerEnumType(ChangeKind, {
  name: "ChangeKind",
  description: "What a write did to an entry, as a subscriber sees it.",
  valuesConfig: {
    CREATED: { description: "A new entry." },
    UPDATED: { description: "Fields changed." },
    RETIRED: { description: "Retired: statusCode(code) now answers GONE." },
    RESTORED: { description: "Back from retirement, or rolled back to an earlier version's content: its history's RESTORE." },
  },
});

@ObjectType({ description: "One write of an entry, as pushed to subscribers." })
export class StatusCodeChange {
  @Field(() => Int, { description: "The entry's code." })
  code!: number;

  @Field(() => ChangeKind, { description: "What the write did." })
  kind!: ChangeKind;

  @Field(() => Int, { description: "The version the write produced: versions only grow, so older events can be dropped." })
  version!: number;

  @Field(() => StatusCode, { description: "The entry as the write left it (normalizes into client caches by id)." })
  entry!: StatusCode;
}

@Resolver()
export class ChangesResolver {
  @Subscription(() => StatusCodeChange, {
    description:
      "Every write of the given entries (all entries when codes is omitted), on /graphql over graphql-ws, multipart HTTP or SSE: in version order per entry, once each, whichever replica took the write.",
    // The service's own filtered iterator (catalogue-events.ts): an idle subscriber is among thousands.
    subscribe: ({ args, context }: { args: { codes?: number[] | null }; context: CatalogueContext }) => context.catalogue.changes(args.codes),
  })
  statusCodeChanged(
    @Root() change: EntryChange,
    @Arg("codes", () => [Int], { nullable: true, description: "Only these codes; omitted: every entry." }) _codes?: number[],
  ): EntryChange {
    return change;
  }
}
