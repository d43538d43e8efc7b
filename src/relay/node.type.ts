import { Field, ID, InterfaceType } from "type-graphql";

/** Global object identification, so Relay and Apollo Client caches normalize entries. */
@InterfaceType({
  description: "An object with a globally unique, opaque id.",
  resolveType: (value: { __typename?: string }) => value.__typename,
})
export abstract class Node {
  @Field(() => ID, { description: "Globally unique and opaque: base64 of type and key." })
  id!: string;
}
