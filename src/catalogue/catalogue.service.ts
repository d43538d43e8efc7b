import type { QueryFilter } from "mongoose";
import { DomainError } from "../errors/domain-error";
import { beyond, decodeCursor, encodeCursor, positionOf, sortOf, upTo } from "./keyset";
import { CLASS_BY_DIGIT, type StatusClass } from "./status-code.enums";
import {
  DEFAULT_PAGE_SIZE,
  OrderDirection,
  StatusCodeOrderField,
  type StatusCodeFilter,
  type StatusCodesArgs,
} from "./status-code.inputs";
import type { StatusCodeModel, StatusCodeRecord } from "./status-code.model";

export interface Page {
  edges: { cursor: string; node: StatusCodeRecord }[];
  nodes: StatusCodeRecord[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /** Lazy: run by the totalCount field resolver only when a client asks for it. */
  countAll: () => Promise<number>;
}

export interface ClassCount {
  class: StatusClass;
  range: { from: number; to: number };
  count: number;
}

/** Reads of the catalogue. Returns plain objects; fails only with DomainError or driver errors. */
export class CatalogueService {
  // Every query here is time-limited by QUERY_TIMEOUT_MS (src/db/time-limit.ts).
  constructor(private readonly model: StatusCodeModel) {}

  /** NOT_FOUND when there is no such entry, GONE (with when and why) when it was retired. */
  async getByCode(code: number): Promise<StatusCodeRecord> {
    const entry = await this.findAny(code);
    if (entry.retired) throw this.goneError(entry);
    return entry;
  }

  /** The entry, retired or not; NOT_FOUND when there is none. */
  async findAny(code: number): Promise<StatusCodeRecord> {
    const entry = await this.model.findOne({ code }).lean<StatusCodeRecord>();
    if (!entry) throw new DomainError("NOT_FOUND", `No status code ${code} in the catalogue`, { statusCode: code });
    return entry;
  }

  goneError(entry: StatusCodeRecord): DomainError {
    return new DomainError("GONE", `Status code ${entry.code} was retired`, {
      statusCode: entry.code,
      retiredAt: entry.retired!.at.toISOString(),
      reason: entry.retired!.reason,
    });
  }

  /** One round trip for any number of codes (the DataLoader batch function). */
  async findByCodes(codes: readonly number[]): Promise<(StatusCodeRecord | null)[]> {
    const found = await this.model
      .find({ code: { $in: [...codes] } })
      .lean<StatusCodeRecord[]>();
    const byCode = new Map(found.map((e) => [e.code, e]));
    return codes.map((c) => byCode.get(c) ?? null);
  }

  async list(args: StatusCodesArgs): Promise<Page> {
    const { first, last, after, before } = args;
    if (first != null && last != null) throw new DomainError("BAD_USER_INPUT", "Pass first or last, not both");
    const field = args.orderBy?.field ?? StatusCodeOrderField.CODE;
    const ascending = (args.orderBy?.direction ?? OrderDirection.ASC) === OrderDirection.ASC;
    const [forward, backward] = ascending ? (["$gt", "$lt"] as const) : (["$lt", "$gt"] as const);
    const afterPos = after != null ? decodeCursor(after, field) : undefined;
    const beforePos = before != null ? decodeCursor(before, field) : undefined;

    const filter = toQuery(args.filter);
    const window: QueryFilter<StatusCodeRecord>[] = [filter];
    if (afterPos) window.push(beyond(afterPos, forward));
    if (beforePos) window.push(beyond(beforePos, backward));

    const fromEnd = last != null;
    const size = (fromEnd ? last : first) ?? DEFAULT_PAGE_SIZE;
    // One extra row tells whether another page exists in the direction of travel.
    const rows = await this.model
      .find({ $and: window })
      .sort(sortOf(field, fromEnd ? !ascending : ascending))
      .limit(size + 1)
      .lean<StatusCodeRecord[]>();
    const more = rows.length > size;
    const nodes = rows.slice(0, size);
    if (fromEnd) nodes.reverse();

    // Whether anything lies on the other side of the cursor we came from: a cheap existence check.
    const behind = fromEnd ? beforePos && upTo(beforePos, backward) : afterPos && upTo(afterPos, forward);
    const otherSide = behind ? await this.exists({ $and: [filter, behind] }) : false;

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
      countAll: () => this.model.countDocuments(filter).exec(),
    };
  }

  async classes(): Promise<ClassCount[]> {
    const counts = await this.model
      .aggregate<{ _id: StatusClass; count: number }>([
        { $match: { retired: null } },
        { $group: { _id: "$class", count: { $sum: 1 } } },
      ]);
    const byClass = new Map(counts.map((c) => [c._id, c.count]));
    return Object.entries(CLASS_BY_DIGIT).map(([digit, cls]) => ({
      class: cls,
      range: { from: Number(digit) * 100, to: Number(digit) * 100 + 99 },
      count: byClass.get(cls) ?? 0,
    }));
  }

  private async exists(query: QueryFilter<StatusCodeRecord>): Promise<boolean> {
    const hit = await this.model.findOne(query, { _id: 1 }).lean();
    return hit !== null;
  }
}

function toQuery(filter: StatusCodeFilter | undefined): QueryFilter<StatusCodeRecord> {
  const query: QueryFilter<StatusCodeRecord> = filter?.includeRetired ? {} : { retired: null };
  if (!filter) return query;
  if (filter.class) query.class = { $in: filter.class };
  if (filter.popularity) query.popularity = { $in: filter.popularity };
  if (filter.registryStatus) query.registryStatus = { $in: filter.registryStatus };
  if (filter.cacheableByDefault != null) query.cacheableByDefault = filter.cacheableByDefault;
  const { from, to } = filter.codeRange ?? {};
  if (from != null && to != null && from > to) {
    throw new DomainError("BAD_USER_INPUT", "codeRange.from must not be greater than codeRange.to");
  }
  if (from != null || to != null) query.code = { ...(from != null && { $gte: from }), ...(to != null && { $lte: to }) };
  const text = filter.search?.trim();
  if (text) {
    // User text is matched literally: every regex metacharacter is escaped.
    const pattern = { $regex: text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), $options: "i" };
    query.$or = [{ reasonPhrase: pattern }, { formerNames: pattern }, { description: pattern }];
  }
  return query;
}
