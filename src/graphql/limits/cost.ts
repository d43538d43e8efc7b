import { type DocumentNode, GraphQLError, type GraphQLSchema } from "graphql";
import { type ComplexityEstimator, getComplexity } from "graphql-query-complexity";
import { LIMITS } from "../../curation/entry-validation";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../../catalogue/status-code.inputs";
import { CLASS_BY_DIGIT } from "../../catalogue/status-code.enums";
import { CONTENT_FIELDS } from "../../catalogue/status-code.model";
import { Runtime } from "../../catalogue/language-constant.type";
import { DomainError } from "../../errors/domain-error";
import { ERROR_CODES } from "../../errors/error-codes";

type Args = Record<string, unknown>;

/** The page a connection will return: first or last, else the default, never more than the maximum. */
const pageSize = (args: Args) => {
  const asked = (args.first ?? args.last ?? DEFAULT_PAGE_SIZE) as number;
  // Over the maximum is the resolver's BAD_USER_INPUT to report, not a cost to charge.
  return Math.max(0, Math.min(asked, MAX_PAGE_SIZE));
};

/** Fields that return many objects, by "Parent.field": how many at most. */
const LIST_SIZE: Record<string, (args: Args) => number> = {
  "Query.statusCodes": pageSize,
  "StatusCode.history": pageSize,
  "StatusCode.related": () => LIMITS.relatedCodes,
  "StatusCode.unofficialUses": () => LIMITS.unofficialUses,
  "StatusCode.specificationHistory": () => LIMITS.specificationHistory,
  // One per runtime that knows the code; comparisons as many as a curator may store on one entry.
  "StatusCode.constants": () => Object.keys(Runtime).length,
  "StatusCode.comparisons": () => LIMITS.comparisons,
  "Comparison.references": () => LIMITS.comparisonReferences,
  "Query.errorCodes": () => ERROR_CODES.length,
  "Query.statusClasses": () => Object.keys(CLASS_BY_DIGIT).length,
  // One change per content field, plus the retirement state.
  "StatusCodeRevision.changes": () => CONTENT_FIELDS.length + 1,
  "Mutation.importStatusCodes": (args) => (args.entries as unknown[]).length,
};

/**
 * Fields whose value can be long cost more, so that a unit of cost is at most about 200 bytes
 * of response whatever is selected: a description or an example may hold 2,000 characters,
 * 20 typical headers or 10 former names about 1,000.
 */
const LARGE_FIELD_COST: Record<string, number> = {
  "StatusCode.description": 10,
  "StatusCode.typicalHeaders": 5,
  "StatusCode.formerNames": 5,
  "StatusCode.example": 10,
  "UnofficialUse.description": 10,
  "Comparison.chooseThisWhen": 10,
  "Comparison.chooseOtherWhen": 10,
};

/** Parts of a connection that exist once per page: their cost is in the connection's own. */
const ONCE_PER_PAGE = new Set(["StatusCodeConnection.pageInfo", "StatusCodeConnection.totalCount", "StatusCodeRevisionConnection.pageInfo"]);

/** A list costs its database work (the query, the next-page check, the count) plus each item. */
const LIST_BASE_COST = 3;
/** A write costs several database commands (key, claim, apply, read). */
const MUTATION_BASE_COST = 10;

/**
 * The cost model: every field costs 1 (a long one more) plus its selections; a list of objects costs its base
 * plus its largest possible length times one item's selections; parts of a connection that
 * exist once per page are free. So the cost is an upper bound on the objects execution
 * resolves (aliases and fragments included: the library expands both), and thus on its work
 * and the size of its response.
 */
const estimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  const key = `${type.name}.${field.name}`;
  if (ONCE_PER_PAGE.has(key)) return 0;
  const base = type.name === "Mutation" ? MUTATION_BASE_COST : (LARGE_FIELD_COST[key] ?? 1);
  const length = LIST_SIZE[key]?.(args);
  return length === undefined ? base + childComplexity : base + LIST_BASE_COST + length * childComplexity;
};

/** The cost of the operation that will run, with its variables (throws on invalid variables). */
export function operationCost(schema: GraphQLSchema, query: DocumentNode, operationName: string | undefined, variables: Args | undefined): number {
  try {
    return getComplexity({ schema, query, operationName, variables, estimators: [estimator], maxQueryNodes: Infinity });
  } catch (error) {
    // Variables that cannot be coerced: execution would refuse them the same way.
    if (error instanceof GraphQLError) throw new DomainError("BAD_USER_INPUT", error.message);
    throw error;
  }
}

/** QUERY_TOO_COMPLEX when the cost is over the limit: the same refusal over HTTP and WebSocket. */
export function assertWithinCost(cost: number, maxCost: number): void {
  if (cost > maxCost) throw new DomainError("QUERY_TOO_COMPLEX", `The operation costs ${cost}; the maximum is ${maxCost}`, { cost, maxCost });
}
