import { GraphQLJSON } from "graphql-scalars";
import { Field, InputType, Int, ObjectType } from "type-graphql";
import { ErrorCode } from "../errors/error-codes";
import { PageInfo } from "../graphql/page-info.type";
import { Popularity, RevisionAction } from "../catalogue/status-code.enums";
import { StatusCode } from "../catalogue/status-code.type";

@ObjectType({ description: "When, why and by whom an entry was retired." })
export class Retirement {
  @Field()
  at!: Date;

  @Field()
  reason!: string;

  /** Resolved by RetirementAuthorResolver: hidden from anonymous callers. */
  by!: string | null;
}

@ObjectType({ description: "One field a write changed. Values are JSON: strings, lists or objects." })
export class FieldChange {
  @Field()
  field!: string;

  @Field(() => GraphQLJSON, { nullable: true })
  from!: unknown;

  @Field(() => GraphQLJSON, { nullable: true })
  to!: unknown;
}

@ObjectType({ description: "One write of an entry: append-only history." })
export class StatusCodeRevision {
  @Field(() => Int, { description: "The entry version this write produced." })
  version!: number;

  @Field(() => RevisionAction)
  action!: RevisionAction;

  @Field()
  at!: Date;

  /** Resolved by RevisionAuthorResolver: hidden from anonymous callers. */
  by!: string | null;

  /** Resolved by RevisionAuthorResolver. */
  changes!: FieldChange[];
}

@ObjectType()
export class StatusCodeRevisionEdge {
  @Field()
  cursor!: string;

  @Field(() => StatusCodeRevision)
  node!: StatusCodeRevision;
}

@ObjectType({ description: "Revisions of an entry, newest first." })
export class StatusCodeRevisionConnection {
  @Field(() => [StatusCodeRevisionEdge])
  edges!: StatusCodeRevisionEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@InputType()
export class SpecificationInput {
  @Field()
  document!: string;

  @Field(() => String, { nullable: true })
  section?: string | null;

  @Field({ description: "An http(s) URL." })
  url!: string;
}

@InputType({ description: "A new entry: a vendor or custom code. It is stored as UNREGISTERED, source CUSTOM." })
export class StatusCodeInput {
  @Field(() => Int)
  code!: number;

  @Field()
  reasonPhrase!: string;

  @Field()
  description!: string;

  @Field(() => SpecificationInput, { description: "Where the code is defined (a vendor's documentation, say)." })
  specification!: SpecificationInput;

  @Field(() => [String], { nullable: true })
  formerNames?: string[];

  @Field(() => Popularity, { nullable: true, description: "Default OTHER." })
  popularity?: Popularity;

  @Field({ nullable: true, description: "Default false." })
  cacheableByDefault?: boolean;

  @Field({ nullable: true, description: "Default: false for 1xx, 204, 205 and 304, else true." })
  bodyAllowed?: boolean;

  @Field(() => [String], { nullable: true })
  typicalHeaders?: string[];

  @Field(() => [Int], { nullable: true, description: "Codes of existing, unretired entries." })
  relatedCodes?: number[];
}

@InputType({ description: "The fields to change; omitted fields keep their value." })
export class StatusCodePatch {
  @Field({ nullable: true })
  reasonPhrase?: string;

  @Field({ nullable: true })
  description?: string;

  @Field(() => SpecificationInput, { nullable: true })
  specification?: SpecificationInput;

  @Field(() => [String], { nullable: true })
  formerNames?: string[];

  @Field(() => Popularity, { nullable: true })
  popularity?: Popularity;

  @Field({ nullable: true })
  cacheableByDefault?: boolean;

  @Field({ nullable: true })
  bodyAllowed?: boolean;

  @Field(() => [String], { nullable: true })
  typicalHeaders?: string[];

  @Field(() => [Int], { nullable: true })
  relatedCodes?: number[];
}

@ObjectType({ description: "A broken input rule: the field and the constraint (never the value)." })
export class FieldError {
  @Field()
  field!: string;

  @Field()
  constraint!: string;
}

@ObjectType({ description: "The outcome for one entry of an import, WebDAV multi-status style." })
export class ImportEntryResult {
  @Field(() => Int, { description: "Position in the submitted list." })
  index!: number;

  @Field(() => Int)
  code!: number;

  @Field(() => Int, { description: "201 created, 409 conflict, 422 invalid." })
  status!: number;

  @Field(() => ErrorCode, { nullable: true })
  errorCode!: ErrorCode | null;

  @Field(() => String, { nullable: true })
  message!: string | null;

  @Field(() => [FieldError])
  fieldErrors!: FieldError[];

  @Field(() => StatusCode, { nullable: true, description: "The entry as created." })
  entry!: StatusCode | null;
}

@ObjectType()
export class ImportResult {
  @Field()
  idempotencyKey!: string;

  @Field({ description: "True when this is the stored result of an earlier request with the same key." })
  replayed!: boolean;

  @Field(() => Int)
  created!: number;

  @Field(() => [ImportEntryResult])
  results!: ImportEntryResult[];
}
