import { DomainError } from "../../errors/domain-error";

/**
 * How deeply a request's variables may nest. The deepest input of the schema is an import's
 * `entries[i].specification.document` (4 levels), so 32 leaves room for any schema change and
 * none for the 4,000-level arrays of an 8 KB body that overflow the stack of every recursive
 * walk after this one: JSON.stringify for the cost and response-cache keys, graphql-js's
 * coercion, graphql-query-complexity.
 */
export const MAX_VARIABLE_DEPTH = 32;

/**
 * BAD_USER_INPUT when the variables (an object, or the JSON text of a GET) nest deeper than
 * maxDepth. Iterative, with its own stack, and stops at the first level past the limit: it
 * never overflows, and it costs at most one visit of each value. Text that is not JSON passes:
 * Apollo reports it as usual.
 */
export function variablesDepthError(variables: unknown, maxDepth = MAX_VARIABLE_DEPTH, name = "variables"): DomainError | undefined {
  let value = variables;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value); // V8's JSON.parse is iterative: no depth overflows it
    } catch {
      return undefined;
    }
  }
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length) {
    const [next, depth] = pending.pop()!;
    if (next === null || typeof next !== "object") continue;
    if (depth >= maxDepth) {
      return new DomainError("BAD_USER_INPUT", `The ${name} nest deeper than ${maxDepth} levels`, { maxVariableDepth: maxDepth });
    }
    for (const child of Array.isArray(next) ? next : Object.values(next)) pending.push([child, depth + 1]);
  }
  return undefined;
}
