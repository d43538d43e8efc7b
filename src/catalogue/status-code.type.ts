import { Field, ID, Int, ObjectType } from "type-graphql";
import { Node } from "../graphql/node.type";
import { PageInfo } from "../graphql/page-info.type";
import { EntrySource, Popularity, RegistryStatus, StatusClass } from "./status-code.enums";

@ObjectType({ description: "Where a status code is defined." })
export class Specification {
  @Field({ description: 'The defining document, e.g. "RFC 9110".' })
  document!: string;

  @Field(() => String, { nullable: true, description: 'The section within it, e.g. "15.5.5".' })
  section!: string | null;

  @Field({ description: "A link to the document or section." })
  url!: string;
}

@ObjectType({ implements: Node, description: "An HTTP status code and what an API designer needs to know about it." })
export class StatusCode implements Node {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { description: "The three-digit status code." })
  code!: number;

  @Field({ description: "The registered reason phrase." })
  reasonPhrase!: string;

  @Field(() => [String], { description: "Names used by earlier specifications or common usage." })
  formerNames!: string[];

  @Field(() => StatusClass)
  class!: StatusClass;

  @Field({ description: "What it means and when to use it." })
  description!: string;

  @Field(() => Popularity)
  popularity!: Popularity;

  @Field(() => RegistryStatus)
  registryStatus!: RegistryStatus;

  @Field(() => Specification)
  specification!: Specification;

  @Field({ description: "Whether a response with this code is heuristically cacheable (RFC 9110 Section 15.1)." })
  cacheableByDefault!: boolean;

  @Field({ description: "Whether a response with this code may carry content." })
  bodyAllowed!: boolean;

  @Field(() => [String], { description: "Header fields that usually accompany this code." })
  typicalHeaders!: string[];

  @Field(() => EntrySource)
  source!: EntrySource;

  @Field(() => Int, { description: "Increases by one with every write; pass it as expectedVersion to change the entry." })
  version!: number;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;

  /** Resolved by EntryAuthorResolver: hidden from anonymous callers. */
  updatedBy!: string | null;
}

@ObjectType()
export class StatusCodeEdge {
  @Field()
  cursor!: string;

  @Field(() => StatusCode)
  node!: StatusCode;
}

@ObjectType({ description: "A page of status codes." })
export class StatusCodeConnection {
  @Field(() => [StatusCodeEdge])
  edges!: StatusCodeEdge[];

  @Field(() => [StatusCode], { description: "The nodes of the edges, for clients that need no cursors." })
  nodes!: StatusCode[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int, { description: "How many entries match the filter, across all pages." })
  totalCount!: number;
}

@ObjectType({ description: "An inclusive range of status codes." })
export class CodeRange {
  @Field(() => Int)
  from!: number;

  @Field(() => Int)
  to!: number;
}

@ObjectType({ description: "A class of status codes and how many entries the catalogue has in it." })
export class StatusClassInfo {
  @Field(() => StatusClass)
  class!: StatusClass;

  @Field(() => CodeRange)
  range!: CodeRange;

  @Field(() => Int)
  count!: number;
}
