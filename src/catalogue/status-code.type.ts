import { Field, ID, Int, ObjectType } from "type-graphql";
import { Node } from "../relay/node.type";
import { PageInfo } from "../relay/page-info.type";
import { EntrySource, Popularity, RegistryStatus, StatusClass } from "./status-code.enums";

@ObjectType({ description: "Where a status code is defined." })
export class Specification {
  @Field({ description: 'The defining document, e.g. "RFC 9110", or a vendor\'s documentation for an unofficial code.' })
  document!: string;

  @Field(() => String, { nullable: true, description: 'The section within it, e.g. "15.5.5"; every registered code has one.' })
  section!: string | null;

  @Field({ description: "A link to the document or section." })
  url!: string;
}

@ObjectType({ description: "The words of a source that state a fact, quoted exactly, and when and from what they were read." })
export class SourceExcerpt {
  @Field({
    description:
      'The sentence, table row or constant of the source that states the code and its meaning, quoted exactly (elisions marked " … ", table cells joined by " | "). Empty only for a use a curator wrote before excerpts existed.',
  })
  text!: string;

  @Field({ description: "The ISO date (YYYY-MM-DD) the source was read; empty when text is." })
  readOn!: string;

  @Field({
    description:
      "What was read: the page, a commit of the vendor's source, or, where the page could not be reached, which stored copy of it (the reading is then only as good as that copy).",
  })
  provenance!: string;
}

@ObjectType({ description: "One meaning a vendor gives a code that no registry lists (or that it reuses), with where it is documented." })
export class UnofficialUse {
  @Field({ description: 'Who sends it, e.g. "nginx", "Cloudflare".' })
  origin!: string;

  @Field(() => String, {
    nullable: true,
    description: "The vendor's own name for the code; null where the vendor gives none (AWS's 460, nginx's 444): label then holds ours.",
  })
  reasonPhrase!: string | null;

  @Field({ description: "A name to show: the vendor's reasonPhrase where it has one, else our descriptive name. Always present." })
  label!: string;

  @Field({ description: "When it is sent and what to do about it." })
  description!: string;

  @Field({ description: "An https link to the vendor's documentation (or source) that states this meaning." })
  reference!: string;

  @Field(() => SourceExcerpt, { description: "What the reference says: the words that state the code and this meaning (and the vendor's name, where it gives one)." })
  excerpt!: SourceExcerpt;
}

@ObjectType({ description: "A temporary IANA registration (RFC 9110 Section 16.2.1), made for an Internet-Draft and valid until it expires or is extended." })
export class TemporaryRegistration {
  @Field({ description: "When IANA registered it (ISO date)." })
  registeredOn!: string;

  @Field(() => [String], { description: "When IANA extended it (ISO dates), oldest first." })
  extendedOn!: string[];

  @Field({ description: "When it expires (ISO date) unless extended again; it may have passed." })
  expiresOn!: string;

  @Field(() => SourceExcerpt, { description: "The registry's entry that states the dates." })
  excerpt!: SourceExcerpt;
}

@ObjectType({ implements: Node, description: "An HTTP status code and what an API designer needs to know about it." })
export class StatusCode implements Node {
  @Field(() => ID, { description: "The global id, for node(id) and client caches." })
  id!: string;

  @Field(() => Int, { description: "The three-digit status code." })
  code!: number;

  @Field({
    description:
      "The registered reason phrase; for an unofficial code, the name its first vendor use gives it, or that use's label where the vendor gives none. Other names in common use are in formerNames.",
  })
  reasonPhrase!: string;

  @Field(() => [String], { description: "Names used by earlier specifications or common usage." })
  formerNames!: string[];

  @Field(() => StatusClass, { description: "The class, from the first digit." })
  class!: StatusClass;

  @Field({ description: "What it means and when to use it." })
  description!: string;

  @Field(() => Popularity, { description: "The grouping of the original catalogue document." })
  popularity!: Popularity;

  @Field(() => RegistryStatus, { description: "The status in the IANA registry: UNREGISTERED for vendor codes." })
  registryStatus!: RegistryStatus;

  @Field(() => Specification, { description: "Where the code is defined now, with its section." })
  specification!: Specification;

  @Field(() => [Specification], {
    description:
      "Oldest first, each specification that defined, renamed or redefined the code, ending with the current one (specification). Renames show in formerNames.",
  })
  specificationHistory!: Specification[];

  @Field(() => [UnofficialUse], {
    description: "Each meaning a vendor gives this code, with its documentation: two for a code with two meanings (420, 499); empty for most registered codes.",
  })
  unofficialUses!: UnofficialUse[];

  @Field(() => TemporaryRegistration, {
    nullable: true,
    description: "For a temporary registration (registryStatus TEMPORARY, 104): its registration, extension and expiry dates. Null for every other code.",
  })
  temporaryRegistration!: TemporaryRegistration | null;

  @Field({ description: "Whether a response with this code is heuristically cacheable (RFC 9110 Section 15.1)." })
  cacheableByDefault!: boolean;

  @Field({ description: "Whether a response with this code may carry content." })
  bodyAllowed!: boolean;

  @Field(() => [String], { description: "Header fields that usually accompany this code." })
  typicalHeaders!: string[];

  @Field({
    description:
      "A minimal HTTP/1.1 response with this code: the status line (code and reasonPhrase), the typical response headers, and a short body exactly where bodyAllowed. Lines are separated by \\n; a blank line precedes the body.",
  })
  example!: string;

  @Field(() => EntrySource, { description: "Seeded from IANA or from vendors' documentation, or added by a curator." })
  source!: EntrySource;

  @Field(() => Int, { description: "Increases by one with every write; pass it as expectedVersion to change the entry." })
  version!: number;

  @Field({ description: "When the entry was first written." })
  createdAt!: Date;

  @Field({ description: "When the entry was last written (its current version)." })
  updatedAt!: Date;

  /** Resolved by EntryAuthorResolver: hidden from anonymous callers. */
  updatedBy!: string | null;
}

@ObjectType({ description: "An entry and its position in the connection." })
export class StatusCodeEdge {
  @Field({ description: "Opaque keyset position: pass it as after or before." })
  cursor!: string;

  @Field(() => StatusCode, { description: "The entry." })
  node!: StatusCode;
}

@ObjectType({ description: "A page of status codes." })
export class StatusCodeConnection {
  @Field(() => [StatusCodeEdge], { description: "The entries of this page with their cursors." })
  edges!: StatusCodeEdge[];

  @Field(() => [StatusCode], { description: "The nodes of the edges, for clients that need no cursors." })
  nodes!: StatusCode[];

  @Field(() => PageInfo, { description: "Whether there are more pages, and the cursors to reach them." })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: "How many entries match the filter, across all pages." })
  totalCount!: number;
}

@ObjectType({ description: "An inclusive range of status codes." })
export class CodeRange {
  @Field(() => Int, { description: "The lowest code of the range." })
  from!: number;

  @Field(() => Int, { description: "The highest code of the range." })
  to!: number;
}

@ObjectType({ description: "A class of status codes and how many entries the catalogue has in it." })
export class StatusClassInfo {
  @Field(() => StatusClass, { description: "The class." })
  class!: StatusClass;

  @Field(() => CodeRange, { description: "The codes it spans, e.g. 400–499." })
  range!: CodeRange;

  @Field(() => Int, { description: "How many unretired entries the catalogue has in it." })
  count!: number;
}

@ObjectType({ description: "When, why and by whom an entry was retired." })
export class Retirement {
  @Field({ description: "When it was retired." })
  at!: Date;

  @Field({ description: "Why, in the curator's words." })
  reason!: string;

  /** Resolved by RetirementAuthorResolver: hidden from anonymous callers. */
  by!: string | null;
}
