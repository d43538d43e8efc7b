/** Every bound on an operation, checked before any resolver runs (docs/limits.md). */
export interface OperationLimits {
  /** Lexical tokens of the document, counted before parsing. */
  tokens: number;
  /** Field nesting, fragments expanded, introspection fields not counted. */
  depth: number;
  /** Aliased fields, fragments expanded. */
  aliases: number;
  /** Fields of the operation's root selection, fragments expanded. */
  rootFields: number;
  /** Directives on any one field, fragment spread or inline fragment. */
  directives: number;
  /** Field selections, fragments expanded (what execution would have to visit). */
  selections: number;
  /** The operation's cost (see cost.ts). */
  cost: number;
}
