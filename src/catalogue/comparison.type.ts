import { Field, ObjectType } from "type-graphql";
import type { StatusCodeRecord } from "./status-code.model";
import { StatusCode } from "./status-code.type";

@ObjectType({ description: "A specification section a comparison cites." })
export class Reference {
  @Field({ description: 'The document, e.g. "RFC 9110".' })
  document!: string;

  @Field(() => String, { nullable: true, description: 'The section, e.g. "15.5.2".' })
  section!: string | null;

  @Field({ description: "A link to the section." })
  url!: string;
}

/**
 * A comparison from one code's side: the stored pair (on the lower code) as it is, or, from
 * the higher code's side, with the two texts swapped (CatalogueService.comparisons).
 */
@ObjectType({ description: "Which of two codes to use: the same pair from either side, each side's text citing the specification section that decides it." })
export class Comparison {
  /** The code whose side this is. */
  code!: number;

  @Field(() => StatusCode, { description: "The other code's entry." })
  other!: StatusCodeRecord;

  @Field({ description: "When to choose this code, with the section that decides it." })
  chooseThisWhen!: string;

  @Field({ description: "When to choose the other code, with the section that decides it." })
  chooseOtherWhen!: string;

  @Field(() => [Reference], { description: "The sections cited: this code's and the other's." })
  references!: Reference[];
}
