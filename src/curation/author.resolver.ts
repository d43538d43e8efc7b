import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { Principal } from "../auth/principal";
import { Retirement, StatusCode } from "../catalogue/status-code.type";
import { SEED_AUTHOR } from "./seed-catalogue";
import type { StatusCodeRecord } from "../catalogue/status-code.model";
import type { CurationContext } from "./context";
import { FieldChange, StatusCodeRevision } from "./curation.types";

const HIDDEN = "null for anonymous callers: authors are API key names, often people's names";

/** Who wrote something, for callers with a key; anonymous readers see only the seed by name. */
export function authorFor(name: string, principal: Principal | null): string | null {
  return principal || name === SEED_AUTHOR ? name : null;
}

@Resolver(() => StatusCode)
export class EntryAuthorResolver {
  @FieldResolver(() => String, { nullable: true, description: `Who made the last write: an API key name, or "seed"; ${HIDDEN}.` })
  updatedBy(@Root() entry: StatusCodeRecord, @Ctx() ctx: CurationContext): string | null {
    return authorFor(entry.updatedBy, ctx.principal);
  }
}

@Resolver(() => Retirement)
export class RetirementAuthorResolver {
  @FieldResolver(() => String, { nullable: true, description: `The API key name that retired it; ${HIDDEN}.` })
  by(@Root() retirement: { by: string }, @Ctx() ctx: CurationContext): string | null {
    return authorFor(retirement.by, ctx.principal);
  }
}

@Resolver(() => StatusCodeRevision)
export class RevisionAuthorResolver {
  @FieldResolver(() => String, { nullable: true, description: `The API key name of the writer, or "seed"; ${HIDDEN}.` })
  by(@Root() revision: { by: string }, @Ctx() ctx: CurationContext): string | null {
    return authorFor(revision.by, ctx.principal);
  }

  @FieldResolver(() => [FieldChange], { description: "What the write changed (a retirement's author hidden as in `by`)." })
  changes(@Root() revision: { changes: FieldChange[] }, @Ctx() ctx: CurationContext): FieldChange[] {
    if (ctx.principal) return revision.changes;
    const hide = (value: unknown) =>
      value && typeof value === "object" && "by" in value ? { ...value, by: authorFor(String(value.by), null) } : value;
    return revision.changes.map((c) => (c.field === "retired" ? { ...c, from: hide(c.from), to: hide(c.to) } : c));
  }
}
