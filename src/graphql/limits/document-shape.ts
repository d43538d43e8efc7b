import { type DocumentNode, type FragmentDefinitionNode, Kind, Lexer, type SelectionSetNode, Source, TokenKind } from "graphql";
import type { OperationLimits } from "./limits";

/** What execution of a selection set would visit, with every fragment spread expanded. */
export interface Shape {
  depth: number;
  aliases: number;
  /** Fields and fragment spreads, every spread expanded: what execution and validation visit. */
  selections: number;
  /** Fields at the top level of the set (fragments at that level expanded): root fields, at the root. */
  fields: number;
  /** The most directives on any one node. */
  directives: number;
}

/**
 * Counts tokens without building a document, and stops one past the limit: a megabyte of
 * `__typename` costs the same as `limit + 1` tokens. A syntax error is left to the real parser.
 */
export function tooManyTokens(query: string, max: number): number | undefined {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) {
      count += 1;
      if (count > max) return count;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * The shape of every operation in a document (then the expansion of every fragment), in time
 * linear in the document's size: each fragment is measured once and its shape reused at every spread, so nested spreads that
 * would expand to millions of fields are counted, not walked. (graphql-js's own validation
 * rules expand fragments as they go; this runs before them, so they only ever see documents
 * whose expansion is bounded.) Counts saturate at Infinity rather than overflow.
 */
export function shapesOf(document: DocumentNode): Shape[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const measured = new Map<string, Shape>();
  const inProgress = new Set<string>();

  const fragmentShape = (name: string): Shape => {
    const known = measured.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    // Unknown fragments and cycles are graphql-js's to report; they add nothing here.
    if (!fragment || inProgress.has(name)) return EMPTY;
    inProgress.add(name);
    const shape = setShape(fragment.selectionSet);
    inProgress.delete(name);
    measured.set(name, shape);
    return shape;
  };

  const setShape = (set: SelectionSetNode): Shape => {
    const s = { ...EMPTY };
    for (const selection of set.selections) {
      s.directives = Math.max(s.directives, selection.directives?.length ?? 0);
      if (selection.kind === Kind.FIELD) {
        const child = selection.selectionSet ? setShape(selection.selectionSet) : EMPTY;
        s.fields += 1;
        s.selections += 1 + child.selections;
        s.aliases += (selection.alias ? 1 : 0) + child.aliases;
        s.directives = Math.max(s.directives, child.directives);
        // Introspection is bounded by graphql-js's MaxIntrospectionDepthRule, not by this depth.
        if (!selection.name.value.startsWith("__")) s.depth = Math.max(s.depth, 1 + child.depth);
      } else {
        const spread = selection.kind === Kind.FRAGMENT_SPREAD;
        const inner = spread ? fragmentShape(selection.name.value) : setShape(selection.selectionSet);
        s.fields += inner.fields;
        // A spread is a visit of its own: spreads of a fragment that does not exist (or only spreads
        // others) select no field, yet 2^n of them made graphql-js's rules walk for minutes.
        s.selections += (spread ? 1 : 0) + inner.selections;
        s.aliases += inner.aliases;
        s.directives = Math.max(s.directives, inner.directives);
        s.depth = Math.max(s.depth, inner.depth);
      }
    }
    return s;
  };

  const operations = document.definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? [setShape(d.selectionSet)] : []));
  // Every fragment too, used or not (graphql-js validates unused ones as well), by its expansion
  // alone: a fragment is no operation, so its depth and fields are no root's.
  const unused = [...fragments.keys()].map((name) => ({ ...EMPTY, selections: fragmentShape(name).selections }));
  return [...operations, ...unused];
}

const EMPTY: Shape = Object.freeze({ depth: 0, aliases: 0, selections: 0, fields: 0, directives: 0 });

type ShapeLimit = "depth" | "aliases" | "rootFields" | "directives" | "selections";

/** The first limit a shape breaks, with the measured value; undefined when it breaks none. */
export function brokenLimit(shape: Shape, limits: OperationLimits): { limit: ShapeLimit; value: number } | undefined {
  // In the order a client can most easily act on.
  const measured: Record<ShapeLimit, number> = {
    depth: shape.depth,
    aliases: shape.aliases,
    rootFields: shape.fields,
    directives: shape.directives,
    selections: shape.selections,
  };
  for (const limit of Object.keys(measured) as ShapeLimit[]) {
    if (measured[limit] > limits[limit]) return { limit, value: measured[limit] };
  }
  return undefined;
}
