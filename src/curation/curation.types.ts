import { GraphQLJSON } from "graphql-scalars";
import { Field, InputType, Int, ObjectType } from "type-graphql";
import { ErrorCode } from "../errors/error-codes";
import { LIMITS } from "./entry-validation";
import { PageInfo } from "../relay/page-info.type";
import { Popularity, RevisionAction } from "../catalogue/status-code.enums";
import { StatusCode } from "../catalogue/status-code.type";

@ObjectType({ description: "One field a write changed. Values are JSON: strings, lists or objects." })
export class FieldChange {
  @Field({ description: "The entry field, e.g. description or retired." })
  field!: string;

  @Field(() => GraphQLJSON, { nullable: true, description: "Its value before the write; null for a create." })
  from!: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: "Its value after the write." })
  to!: unknown;
}

@ObjectType({ description: "One write of an entry: append-only history." })
export class StatusCodeRevision {
  @Field(() => Int, { description: "The entry version this write produced." })
  version!: number;

  @Field(() => RevisionAction, { description: "What the write did." })
  action!: RevisionAction;

  @Field({ description: "When it was written." })
  at!: Date;

  /** Resolved by RevisionAuthorResolver: hidden from anonymous callers. */
  by!: string | null;

  /** Resolved by RevisionAuthorResolver. */
  changes!: FieldChange[];
}

@ObjectType({ description: "A revision and its position in the history." })
export class StatusCodeRevisionEdge {
  @Field({ description: "Opaque position: pass it as after for older revisions." })
  cursor!: string;

  @Field(() => StatusCodeRevision, { description: "The revision." })
  node!: StatusCodeRevision;
}

@ObjectType({ description: "Revisions of an entry, newest first." })
export class StatusCodeRevisionConnection {
  @Field(() => [StatusCodeRevisionEdge], { description: "The revisions of this page, newest first." })
  edges!: StatusCodeRevisionEdge[];

  @Field(() => PageInfo, { description: "Whether older revisions follow." })
  pageInfo!: PageInfo;
}

@InputType({ description: "Where a code is defined." })
export class SpecificationInput {
  @Field({ description: 'The defining document, e.g. "RFC 9110" or a vendor\'s documentation.' })
  document!: string;

  @Field(() => String, { nullable: true, description: "The section within it, if any." })
  section?: string | null;

  @Field({ description: "An http(s) URL." })
  url!: string;
}

@InputType({ description: "The words of a source that state a vendor's meaning, quoted exactly." })
export class SourceExcerptInput {
  @Field({ description: `The sentence or constant that states the code and its meaning, quoted exactly (at most ${LIMITS.excerpt} characters).` })
  text!: string;

  @Field({ description: "The ISO date (YYYY-MM-DD) it was read." })
  readOn!: string;

  @Field({ nullable: true, description: `What was read, e.g. a commit of the vendor's source or a stored copy (at most ${LIMITS.provenance} characters). Default: the reference itself.` })
  provenance?: string;
}

@InputType({ description: "One meaning a vendor gives a code." })
export class UnofficialUseInput {
  @Field({ description: `Who sends it (trimmed; at most ${LIMITS.origin} characters).` })
  origin!: string;

  @Field(() => String, {
    nullable: true,
    description: `The vendor's own name for the code (trimmed; at most ${LIMITS.reasonPhrase} characters); omit it, or send null, where the vendor gives none.`,
  })
  reasonPhrase?: string | null;

  @Field(() => String, { nullable: true, description: `A name to show (trimmed; at most ${LIMITS.reasonPhrase} characters). Default: reasonPhrase; required without it.` })
  label?: string | null;

  @Field({ description: `When it is sent and what to do about it (trimmed; at most ${LIMITS.description} characters).` })
  description!: string;

  @Field({ description: "An https link to the vendor's documentation that states this meaning." })
  reference!: string;

  @Field(() => SourceExcerptInput, {
    nullable: true,
    description:
      "What the reference says. Omitted: the excerpt of the entry's current use with the same origin and reference is kept; a use with none gets an empty excerpt.",
  })
  excerpt?: SourceExcerptInput | null;
}

@InputType({ description: "Which of two codes to use: stored on the lower code of the pair, so that it reads the same from either side." })
export class ComparisonInput {
  @Field(() => Int, { description: "The other code: higher than this entry's, an existing, unretired entry." })
  other!: number;

  @Field({ description: `When to choose this entry's code, citing the specification section that decides it (trimmed; at most ${LIMITS.description} characters).` })
  chooseThisWhen!: string;

  @Field({ description: `When to choose the other code, likewise (trimmed; at most ${LIMITS.description} characters).` })
  chooseOtherWhen!: string;

  @Field(() => [SpecificationInput], { description: `The sections cited (1 to ${LIMITS.comparisonReferences}).` })
  references!: SpecificationInput[];
}

@InputType({ description: "A new entry: a vendor or custom code. It is stored as UNREGISTERED, source CUSTOM." })
export class StatusCodeInput {
  @Field(() => Int, { description: "The code, 100–599, not yet in the catalogue." })
  code!: number;

  @Field({ description: `Its reason phrase (trimmed; at most ${LIMITS.reasonPhrase} characters).` })
  reasonPhrase!: string;

  @Field({ description: "What it means and when to use it (trimmed)." })
  description!: string;

  @Field(() => SpecificationInput, {
    nullable: true,
    description: "Where the code is defined (a vendor's documentation, say). Required unless specificationHistory is given, whose last item it then must be.",
  })
  specification?: SpecificationInput;

  @Field(() => [SpecificationInput], {
    nullable: true,
    description: `Oldest first, ending with the current specification (1 to ${LIMITS.specificationHistory}). Default: the specification alone.`,
  })
  specificationHistory?: SpecificationInput[];

  @Field(() => [UnofficialUseInput], { nullable: true, description: `The vendors' meanings of the code (at most ${LIMITS.unofficialUses}). Default none.` })
  unofficialUses?: UnofficialUseInput[];

  @Field(() => [ComparisonInput], { nullable: true, description: `Its comparisons with higher codes (at most ${LIMITS.comparisons}). Default none.` })
  comparisons?: ComparisonInput[];

  @Field({
    nullable: true,
    description: `An example response (at most ${LIMITS.example} characters) that agrees with the entry: see StatusCode.example. Default: one built from the entry.`,
  })
  example?: string;

  @Field(() => [String], { nullable: true, description: "Other names it has gone by. Default none." })
  formerNames?: string[];

  @Field(() => Popularity, { nullable: true, description: "Default OTHER." })
  popularity?: Popularity;

  @Field({ nullable: true, description: "Default false." })
  cacheableByDefault?: boolean;

  @Field({ nullable: true, description: "Default: false for 1xx, 204, 205 and 304, else true." })
  bodyAllowed?: boolean;

  @Field(() => [String], { nullable: true, description: "Header fields that usually accompany it. Default none." })
  typicalHeaders?: string[];

  @Field(() => [Int], { nullable: true, description: "Codes of existing, unretired entries." })
  relatedCodes?: number[];
}

@InputType({ description: "The fields to change; omitted fields keep their value." })
export class StatusCodePatch {
  @Field({ nullable: true, description: "A new reason phrase." })
  reasonPhrase?: string;

  @Field({ nullable: true, description: "A new description." })
  description?: string;

  @Field(() => SpecificationInput, {
    nullable: true,
    description:
      "A new specification reference, replacing the whole of it. Without specificationHistory, it replaces the history's last item when the document is the same, else it is appended.",
  })
  specification?: SpecificationInput;

  @Field(() => [SpecificationInput], {
    nullable: true,
    description: "The new history (replaces it), oldest first; its last item becomes the specification (and must equal it when both are given).",
  })
  specificationHistory?: SpecificationInput[];

  @Field(() => [UnofficialUseInput], { nullable: true, description: "The new list of vendor meanings (replaces the list)." })
  unofficialUses?: UnofficialUseInput[];

  @Field(() => [ComparisonInput], {
    nullable: true,
    description: "The new list of comparisons with higher codes (replaces the list). A comparison with a lower code is edited on that code's entry.",
  })
  comparisons?: ComparisonInput[];

  @Field({
    nullable: true,
    description: "A new example, which must agree with the entry as patched. Omitted: kept, or rebuilt when the patch makes it disagree.",
  })
  example?: string;

  @Field(() => [String], { nullable: true, description: "The new list of former names (replaces the list)." })
  formerNames?: string[];

  @Field(() => Popularity, { nullable: true, description: "A new grouping." })
  popularity?: Popularity;

  @Field({ nullable: true, description: "Whether it is heuristically cacheable." })
  cacheableByDefault?: boolean;

  @Field({ nullable: true, description: "Whether a response with it may carry content." })
  bodyAllowed?: boolean;

  @Field(() => [String], { nullable: true, description: "The new list of typical headers (replaces the list)." })
  typicalHeaders?: string[];

  @Field(() => [Int], { nullable: true, description: "The new list of related codes: existing, unretired entries." })
  relatedCodes?: number[];
}

@ObjectType({ description: "A broken input rule: the field and the constraint (never the value)." })
export class FieldError {
  @Field({ description: 'The input field, as a path: "reasonPhrase", "relatedCodes.2".' })
  field!: string;

  @Field({ description: 'The rule it broke, e.g. "maxLength", "exists", "range".' })
  constraint!: string;
}

@ObjectType({ description: "The outcome for one entry of an import, WebDAV multi-status style." })
export class ImportEntryResult {
  @Field(() => Int, { description: "Position in the submitted list." })
  index!: number;

  @Field(() => Int, { description: "The code of the submitted entry." })
  code!: number;

  @Field(() => Int, { description: "201 created, 409 conflict, 422 invalid." })
  status!: number;

  @Field(() => ErrorCode, { nullable: true, description: "CONFLICT or VALIDATION_FAILED; null when created." })
  errorCode!: ErrorCode | null;

  @Field(() => String, { nullable: true, description: "What went wrong; null when created." })
  message!: string | null;

  @Field(() => [FieldError], { description: "The broken rules of a 422; empty otherwise." })
  fieldErrors!: FieldError[];

  @Field(() => StatusCode, { nullable: true, description: "The entry as created." })
  entry!: StatusCode | null;
}

@ObjectType({ description: "The outcome of an import: one result per submitted entry, in order." })
export class ImportResult {
  @Field({ description: "The key this import ran under." })
  idempotencyKey!: string;

  @Field({ description: "True when this is the stored result of an earlier request with the same key." })
  replayed!: boolean;

  @Field(() => Int, { description: "How many entries were created (status 201)." })
  created!: number;

  @Field(() => [ImportEntryResult], { description: "One per submitted entry, in the order submitted." })
  results!: ImportEntryResult[];
}
