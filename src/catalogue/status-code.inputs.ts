import { IsOptional, Matches, Max, MaxLength, Min, ValidateNested } from "class-validator";
import { ArgsType, Field, InputType, Int, registerEnumType } from "type-graphql";
import { Runtime } from "./language-constant.type";
import { Popularity, RegistryStatus, StatusClass } from "./status-code.enums";

export const MIN_CODE = 100;
export const MAX_CODE = 599;
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
export const MAX_SEARCH_LENGTH = 100;

export enum StatusCodeOrderField {
  CODE = "CODE",
  REASON_PHRASE = "REASON_PHRASE",
}
export enum OrderDirection {
  ASC = "ASC",
  DESC = "DESC",
}
registerEnumType(StatusCodeOrderField, {
  name: "StatusCodeOrderField",
  description: "What to order entries by; ties are broken by code.",
  valuesConfig: {
    CODE: { description: "The numeric code." },
    REASON_PHRASE: { description: "The reason phrase, by code point (binary, no collation), then the code." },
  },
});
registerEnumType(OrderDirection, {
  name: "OrderDirection",
  description: "Ascending or descending.",
  valuesConfig: { ASC: { description: "Smallest first." }, DESC: { description: "Largest first." } },
});

@ArgsType()
export class CodeArgs {
  @Field(() => Int, { description: `A status code, ${MIN_CODE}–${MAX_CODE}.` })
  @Min(MIN_CODE)
  @Max(MAX_CODE)
  code!: number;
}

@InputType({ description: "An inclusive range of codes; either end may be left open." })
export class CodeRangeInput {
  @Field(() => Int, { nullable: true, description: "The lowest code included; open when omitted." })
  @IsOptional()
  @Min(MIN_CODE)
  @Max(MAX_CODE)
  from?: number;

  @Field(() => Int, { nullable: true, description: "The highest code included; open when omitted." })
  @IsOptional()
  @Min(MIN_CODE)
  @Max(MAX_CODE)
  to?: number;
}

@InputType({ description: "All given conditions must hold; a list matches any of its values, except knownTo and unknownTo, which hold for every runtime listed." })
export class StatusCodeFilter {
  @Field(() => [StatusClass], { nullable: true, description: "Entries of any of these classes." })
  class?: StatusClass[];

  @Field(() => [Popularity], { nullable: true, description: "Entries of any of these groupings." })
  popularity?: Popularity[];

  @Field(() => [RegistryStatus], { nullable: true, description: "Entries with any of these registry statuses." })
  registryStatus?: RegistryStatus[];

  @Field(() => CodeRangeInput, { nullable: true, description: "Entries whose code lies in this range." })
  @IsOptional()
  @ValidateNested()
  codeRange?: CodeRangeInput;

  @Field({ nullable: true, description: "Only entries that are (true) or are not (false) heuristically cacheable." })
  cacheableByDefault?: boolean;

  @Field({ nullable: true, description: "Only entries that are (true) or are not (false) redirects: see StatusCode.redirect." })
  redirect?: boolean;

  @Field({ nullable: true, description: "Only entries that are (true) or are not (false) retryable: see StatusCode.retryable." })
  retryable?: boolean;

  @Field({
    nullable: true,
    description: `Case-insensitive text found in the reason phrase, a former name, the description, or a vendor's origin or reason phrase (at most ${MAX_SEARCH_LENGTH} characters).`,
  })
  @IsOptional()
  @MaxLength(MAX_SEARCH_LENGTH)
  // MongoDB's $regex refuses NUL (FerretDB does not): refuse it here, the same on both.
  @Matches(/^[^\u0000]*$/, { message: "no NUL characters" })
  search?: string;

  @Field(() => [Runtime], { nullable: true, description: "Only codes every one of these languages names (see StatusCode.constants)." })
  knownTo?: Runtime[];

  @Field(() => [Runtime], {
    nullable: true,
    description: "Only codes none of these languages names: [PYTHON] answers \"which codes will my Python client not name?\" (see StatusCode.constants).",
  })
  unknownTo?: Runtime[];

  @Field({ nullable: true, description: "Include retired entries (left out by default)." })
  includeRetired?: boolean;
}

@InputType({ description: "The order of a page of entries." })
export class StatusCodeOrder {
  @Field(() => StatusCodeOrderField, { defaultValue: StatusCodeOrderField.CODE, description: "What to order by." })
  field!: StatusCodeOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: "Which way." })
  direction!: OrderDirection;
}

@ArgsType()
export class StatusCodesArgs {
  @Field(() => StatusCodeFilter, { nullable: true, description: "Which entries; retired ones are left out unless includeRetired." })
  @IsOptional()
  @ValidateNested()
  filter?: StatusCodeFilter;

  @Field(() => StatusCodeOrder, { nullable: true, description: "Default: by code, ascending." })
  orderBy?: StatusCodeOrder;

  @Field(() => Int, { nullable: true, description: `Page size from the start, at most ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` })
  @IsOptional()
  @Min(0)
  @Max(MAX_PAGE_SIZE)
  first?: number;

  @Field({ nullable: true, description: "Return entries after this cursor." })
  after?: string;

  @Field(() => Int, { nullable: true, description: `Page size from the end, at most ${MAX_PAGE_SIZE}.` })
  @IsOptional()
  @Min(0)
  @Max(MAX_PAGE_SIZE)
  last?: number;

  @Field({ nullable: true, description: "Return entries before this cursor." })
  before?: string;
}

@ArgsType()
export class HistoryArgs {
  @Field(() => Int, { nullable: true, description: `At most ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` })
  @IsOptional()
  @Min(0)
  @Max(MAX_PAGE_SIZE)
  first?: number;

  @Field({ nullable: true, description: "Return revisions older than this cursor." })
  after?: string;
}
