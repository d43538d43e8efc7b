import { DomainError } from "../errors/domain-error";
import type { CatalogueEvents, EntryChange } from "./catalogue-events";
import { isRedirect, isRetryable } from "./example";
import { isKnownTo } from "./language-constants";
import { comparePosition, decodeCursor, encodeCursor, positionOf } from "./keyset";
import type { CatalogueReadModel } from "./read-model";
import { CLASS_BY_DIGIT, type StatusClass } from "./status-code.enums";
import {
  DEFAULT_PAGE_SIZE,
  OrderDirection,
  StatusCodeOrderField,
  type StatusCodeFilter,
  type StatusCodesArgs,
} from "./status-code.inputs";
import type { SpecificationRecord, StatusCodeRecord } from "./status-code.model";

export interface Page {
  edges: { cursor: string; node: StatusCodeRecord }[];
  nodes: StatusCodeRecord[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

/** A comparison from one code's side (see Comparison). */
export interface ComparisonView {
  code: number;
  other: StatusCodeRecord;
  chooseThisWhen: string;
  chooseOtherWhen: string;
  references: SpecificationRecord[];
}

export interface ClassCount {
  class: StatusClass;
  range: { from: number; to: number };
  count: number;
}

/** What the catalogue's resolvers need of a request's context. */
export interface CatalogueContext {
  catalogue: CatalogueService;
}

/**
 * Reads of the catalogue, all answered from the in-memory read model: no database round trip.
 * Returns plain (frozen) objects; fails only with DomainError.
 */
export class CatalogueService {
  constructor(
    private readonly model: CatalogueReadModel,
    private readonly events: CatalogueEvents,
  ) {}

  /** Every change of the given entries (all when codes is absent), as it happens, until returned. */
  changes(codes?: readonly number[] | null): AsyncIterableIterator<EntryChange> {
    return this.events.changes(codes);
  }

  /** What the model holds (see CatalogueReadModel.digest). */
  get digest(): string {
    return this.model.digest;
  }

  /** NOT_FOUND when there is no such entry, GONE (with when and why) when it was retired. */
  getByCode(code: number): StatusCodeRecord {
    const entry = this.findAny(code);
    if (entry.retired) throw this.goneError(entry);
    return entry;
  }

  /** The entry, retired or not, if the model has it. */
  find(code: number): StatusCodeRecord | undefined {
    return this.model.get(code);
  }

  /** The entry, retired or not; NOT_FOUND when there is none. */
  findAny(code: number): StatusCodeRecord {
    const entry = this.model.get(code);
    if (!entry) throw new DomainError("NOT_FOUND", `No status code ${code} in the catalogue`, { statusCode: code });
    return entry;
  }

  /** The entry if it exists and is not retired. */
  active(code: number): StatusCodeRecord | null {
    const entry = this.model.get(code);
    return entry && !entry.retired ? entry : null;
  }

  /**
   * The code's comparisons, lowest other code first: those stored on it (with higher codes),
   * and those stored on lower codes that name it, seen from its side (the texts swapped).
   * Pairs with a retired entry are left out.
   */
  comparisons(code: number): ComparisonView[] {
    const entry = this.active(code);
    if (!entry) return [];
    const mine = (entry.comparisons ?? []).map((c) => ({ code, otherCode: c.other, chooseThisWhen: c.chooseThisWhen, chooseOtherWhen: c.chooseOtherWhen, references: c.references }));
    const theirs = this.model
      .ordered(StatusCodeOrderField.CODE)
      .filter((e) => e.code < code && !e.retired)
      .flatMap((e) =>
        (e.comparisons ?? [])
          .filter((c) => c.other === code)
          .map((c) => ({ code, otherCode: e.code, chooseThisWhen: c.chooseOtherWhen, chooseOtherWhen: c.chooseThisWhen, references: c.references })),
      );
    return [...theirs, ...mine]
      .flatMap((c) => {
        const other = this.active(c.otherCode);
        return other ? [{ code: c.code, other, chooseThisWhen: c.chooseThisWhen, chooseOtherWhen: c.chooseOtherWhen, references: c.references }] : [];
      })
      .sort((a, b) => a.other.code - b.other.code);
  }

  /** The comparison of a with b from a's side, if the catalogue has one. */
  compare(a: number, b: number): ComparisonView | null {
    return this.comparisons(a).find((c) => c.other.code === b) ?? null;
  }

  goneError(entry: StatusCodeRecord): DomainError {
    return new DomainError("GONE", `Status code ${entry.code} was retired`, {
      statusCode: entry.code,
      retiredAt: new Date(entry.retired!.at).toISOString(),
      reason: entry.retired!.reason,
    });
  }

  list(args: StatusCodesArgs): Page {
    const { first, last, after, before } = args;
    if (first != null && last != null) throw new DomainError("BAD_USER_INPUT", "Pass first or last, not both");
    const field = args.orderBy?.field ?? StatusCodeOrderField.CODE;
    const sign = (args.orderBy?.direction ?? OrderDirection.ASC) === OrderDirection.ASC ? 1 : -1;
    const afterPos = after != null ? decodeCursor(after, field) : undefined;
    const beforePos = before != null ? decodeCursor(before, field) : undefined;

    const matching = this.model.ordered(field).filter(matcherOf(args.filter));
    const ordered = sign === 1 ? matching : [...matching].reverse();
    // `travel(e, p)` > 0: e comes after position p in the requested order.
    const travel = (e: StatusCodeRecord, p: NonNullable<typeof afterPos>) => sign * comparePosition(e, p);
    const window = ordered.filter((e) => (!afterPos || travel(e, afterPos) > 0) && (!beforePos || travel(e, beforePos) < 0));

    const fromEnd = last != null;
    const size = (fromEnd ? last : first) ?? DEFAULT_PAGE_SIZE;
    const nodes = fromEnd ? window.slice(Math.max(0, window.length - size)) : window.slice(0, size);
    const more = window.length > size;
    // Whether anything lies on the other side of the cursor we came from.
    const otherSide = fromEnd
      ? beforePos !== undefined && ordered.some((e) => travel(e, beforePos) >= 0)
      : afterPos !== undefined && ordered.some((e) => travel(e, afterPos) <= 0);

    const edges = nodes.map((node) => ({ cursor: encodeCursor(positionOf(field, node)), node }));
    return {
      edges,
      nodes,
      pageInfo: {
        hasNextPage: fromEnd ? otherSide : more,
        hasPreviousPage: fromEnd ? more : otherSide,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
      totalCount: matching.length,
    };
  }

  classes(): ClassCount[] {
    const counts = new Map<StatusClass, number>();
    for (const e of this.model.ordered(StatusCodeOrderField.CODE)) {
      if (!e.retired) counts.set(e.class, (counts.get(e.class) ?? 0) + 1);
    }
    return Object.entries(CLASS_BY_DIGIT).map(([digit, cls]) => ({
      class: cls,
      range: { from: Number(digit) * 100, to: Number(digit) * 100 + 99 },
      count: counts.get(cls) ?? 0,
    }));
  }
}

/** The filter as a predicate, with the semantics the MongoDB query had. */
function matcherOf(filter: StatusCodeFilter | undefined): (e: StatusCodeRecord) => boolean {
  const tests: ((e: StatusCodeRecord) => boolean)[] = [];
  if (!filter?.includeRetired) tests.push((e) => !e.retired);
  if (filter?.class) tests.push(oneOf(filter.class, (e) => e.class));
  if (filter?.popularity) tests.push(oneOf(filter.popularity, (e) => e.popularity));
  if (filter?.registryStatus) tests.push(oneOf(filter.registryStatus, (e) => e.registryStatus));
  if (filter?.cacheableByDefault != null) tests.push((e) => e.cacheableByDefault === filter.cacheableByDefault);
  if (filter?.redirect != null) tests.push((e) => isRedirect(e.code) === filter.redirect);
  if (filter?.retryable != null) tests.push((e) => isRetryable(e.code) === filter.retryable);
  const knownTo = filter?.knownTo;
  if (knownTo?.length) tests.push((e) => knownTo.every((r) => isKnownTo(r, e.code)));
  const unknownTo = filter?.unknownTo;
  if (unknownTo?.length) tests.push((e) => unknownTo.every((r) => !isKnownTo(r, e.code)));
  const { from, to } = filter?.codeRange ?? {};
  if (from != null && to != null && from > to) {
    throw new DomainError("BAD_USER_INPUT", "codeRange.from must not be greater than codeRange.to");
  }
  if (from != null) tests.push((e) => e.code >= from);
  if (to != null) tests.push((e) => e.code <= to);
  const text = filter?.search?.trim();
  if (text) {
    // User text is matched literally: every regex metacharacter is escaped.
    const pattern = new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "iu");
    tests.push(
      (e) =>
        pattern.test(e.reasonPhrase) ||
        e.formerNames.some((n) => pattern.test(n)) ||
        pattern.test(e.description) ||
        e.unofficialUses.some((u) => pattern.test(u.origin) || pattern.test(u.label) || (u.reasonPhrase !== null && pattern.test(u.reasonPhrase))),
    );
  }
  return (e) => tests.every((t) => t(e));
}

function oneOf<T>(values: T[], of: (e: StatusCodeRecord) => T): (e: StatusCodeRecord) => boolean {
  const set = new Set(values);
  return (e) => set.has(of(e));
}
