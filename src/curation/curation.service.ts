import { can, type Principal, requirePermission } from "../auth/principal";
import { DomainError } from "../errors/domain-error";
import type { CatalogueSync } from "../catalogue/catalogue-sync";
import type { CatalogueService } from "../catalogue/catalogue.service";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../catalogue/status-code.inputs";
import {
  checkContent,
  type EntryInput,
  type FieldError,
  isCode,
  LIMITS,
  type NewEntry,
  type SpecificationInput,
  type ComparisonInput,
  type UnofficialUseInput,
  validationFailed,
} from "./entry-validation";
import { type EntryWriter, revisionId } from "./entry-writer";
import { RevisionReader } from "./revision-reader";
import { classOf, EntrySource, Popularity, RegistryStatus, RevisionAction, SEEDED_SOURCES } from "../catalogue/status-code.enums";
import type {
  EntryContent,
  RevisionModel,
  RevisionRecord,
  SpecificationRecord,
  StatusCodeModel,
  StatusCodeRecord,
  UnofficialUseRecord,
  ComparisonRecord,
} from "../catalogue/status-code.model";
import { agreeingExample, historyEndingWith, historyEndsWith, NO_EXCERPT } from "../catalogue/entry-defaults";
import { exampleDisagreements, exampleOf, type ExampleSubject } from "../catalogue/example";

const specificationOf = (s: SpecificationInput): SpecificationRecord => ({ document: s.document, section: s.section ?? null, url: s.url });
/**
 * The uses as stored: trimmed, each with a label (the vendor's name by default) and an excerpt.
 * A use sent without an excerpt keeps the one it had (same origin and reference), so that a
 * client that does not know excerpts does not erase them.
 */
function usesOf(uses: UnofficialUseInput[], before: readonly UnofficialUseRecord[] = []): UnofficialUseRecord[] {
  return uses.map((u) => {
    const origin = u.origin.trim();
    const reasonPhrase = u.reasonPhrase?.trim() || null;
    const kept = before.find((b) => b.origin === origin && b.reference === u.reference)?.excerpt;
    const excerpt = u.excerpt
      ? { text: u.excerpt.text.trim(), readOn: u.excerpt.readOn, provenance: u.excerpt.provenance?.trim() || `Read at ${u.reference}` }
      : { ...(kept ?? NO_EXCERPT) };
    return { origin, reasonPhrase, label: u.label?.trim() || reasonPhrase!, description: u.description.trim(), reference: u.reference, excerpt };
  });
}

const comparisonsOf = (comparisons: ComparisonInput[]): ComparisonRecord[] =>
  comparisons.map((c) => ({ other: c.other, chooseThisWhen: c.chooseThisWhen.trim(), chooseOtherWhen: c.chooseOtherWhen.trim(), references: c.references.map(specificationOf) }));

/**
 * The specification and its history as a write leaves them, always agreeing (the history ends
 * with the specification): see StatusCodePatch for the rules. Errors when both are given and
 * disagree.
 */
function specificationsOf(input: EntryInput, before: SpecificationRecord[]): { specification?: SpecificationRecord; specificationHistory?: SpecificationRecord[]; errors: FieldError[] } {
  const spec = input.specification ? specificationOf(input.specification) : undefined;
  const history = input.specificationHistory?.length ? input.specificationHistory.map(specificationOf) : undefined;
  if (history && spec && !historyEndsWith(history, spec)) {
    return { errors: [{ field: "specificationHistory", constraint: "endsWithSpecification" }] };
  }
  if (history) return { specification: history.at(-1)!, specificationHistory: history, errors: [] };
  if (spec) return { specification: spec, specificationHistory: historyEndingWith(before, spec), errors: [] };
  return { errors: [] };
}

/** The example's disagreements with the entry it would belong to, as field errors. */
function exampleErrors(example: string, entry: ExampleSubject): FieldError[] {
  return exampleDisagreements(example, entry).map((constraint) => ({ field: "example", constraint: `agreesWith.${constraint}` }));
}

// Content must not be sent with these (RFC 9110), so a new entry defaults to "no body" for them.
const NO_BODY = new Set([204, 205, 304]);

/** Curators' writes. Every check fails with a DomainError; every write goes through EntryWriter. */
export class CurationService {
  constructor(
    private readonly entries: StatusCodeModel,
    private readonly revisions: RevisionModel,
    private readonly writer: EntryWriter,
    private readonly catalogue: CatalogueService,
    private readonly sync: CatalogueSync,
  ) {
    this.history_ = new RevisionReader(revisions);
  }

  /** Every history page's revisions, read in shared batches (see RevisionReader). */
  private readonly history_: RevisionReader;

  create(input: NewEntry, principal: Principal | null): Promise<StatusCodeRecord> {
    return this.createAs(input, requirePermission(principal, "catalogue:write"));
  }

  /** Create for a caller already authorized (import checks once for the whole batch). */
  async createAs(input: NewEntry, by: Principal, importId?: string): Promise<StatusCodeRecord> {
    const content = await this.validNew(input);
    const doc = { code: input.code, class: classOf(input.code), ...content, source: EntrySource.CUSTOM, retired: null, updatedBy: by.name };
    return this.writer.create(doc, { importId });
  }

  /** The entry, if that import created it (an earlier attempt of a retried import, say). */
  async createdByImport(code: number, importId: string): Promise<StatusCodeRecord | null> {
    const mine = await this.revisions.exists({ _id: revisionId(code, 1), importId });
    return mine ? this.current(code) : null;
  }

  private async validNew(input: NewEntry): Promise<EntryContent> {
    const errors = isCode(input.code) ? [] : [{ field: "code", constraint: "range" }];
    errors.push(...checkContent(input, true), ...(await this.unknownRelated(input.code, input.relatedCodes)), ...(await this.badComparisons(input.code, input.comparisons)));
    if (errors.length) throw validationFailed(errors);
    const specs = specificationsOf(input, []);
    if (specs.errors.length) throw validationFailed(specs.errors);
    const content = {
      code: input.code,
      reasonPhrase: input.reasonPhrase!.trim(),
      description: input.description!.trim(),
      formerNames: input.formerNames ?? [],
      popularity: input.popularity ?? Popularity.OTHER,
      registryStatus: RegistryStatus.UNREGISTERED,
      specification: specs.specification!,
      specificationHistory: specs.specificationHistory!,
      unofficialUses: usesOf(input.unofficialUses ?? []),
      temporaryRegistration: null,
      comparisons: comparisonsOf(input.comparisons ?? []),
      cacheableByDefault: input.cacheableByDefault ?? false,
      bodyAllowed: input.bodyAllowed ?? (input.code >= 200 && !NO_BODY.has(input.code)),
      typicalHeaders: input.typicalHeaders ?? [],
      relatedCodes: input.relatedCodes ?? [],
    };
    if (input.example != null) {
      const wrong = exampleErrors(input.example, content);
      if (wrong.length) throw validationFailed(wrong);
    }
    const { code: _code, ...rest } = content;
    return { ...rest, example: input.example ?? exampleOf(content) };
  }

  async update(code: number, expectedVersion: number | null | undefined, patch: EntryInput, principal: Principal | null) {
    const by = requirePermission(principal, "catalogue:write");
    const current = await this.editable(code, by, expectedVersion);
    const errors = [...checkContent(patch, false), ...(await this.unknownRelated(code, patch.relatedCodes)), ...(await this.badComparisons(code, patch.comparisons))];
    if (errors.length) throw validationFailed(errors);
    const next = Object.fromEntries(Object.entries(patch).filter(([, v]) => v != null)) as Partial<EntryContent>;
    if (patch.reasonPhrase) next.reasonPhrase = patch.reasonPhrase.trim();
    if (patch.description) next.description = patch.description.trim();
    if (patch.unofficialUses) next.unofficialUses = usesOf(patch.unofficialUses, current.unofficialUses);
    if (patch.comparisons) next.comparisons = comparisonsOf(patch.comparisons);
    const specs = specificationsOf(patch, current.specificationHistory);
    if (specs.errors.length) throw validationFailed(specs.errors);
    delete next.specification;
    delete next.specificationHistory;
    if (specs.specification) Object.assign(next, { specification: specs.specification, specificationHistory: specs.specificationHistory });
    const patched = { ...current, ...next };
    if (patch.example != null) {
      const wrong = exampleErrors(patch.example, patched);
      if (wrong.length) throw validationFailed(wrong);
    } else {
      // Clients that do not know examples keep working: an example the patch made wrong is rebuilt.
      next.example = agreeingExample(patched);
    }
    return this.writer.write(current, next, RevisionAction.UPDATE, by.name);
  }

  async retire(code: number, expectedVersion: number | null | undefined, reason: string, principal: Principal | null) {
    const by = requirePermission(principal, "catalogue:write");
    const current = await this.editable(code, by, expectedVersion);
    const trimmed = reason.trim();
    if (!trimmed) throw validationFailed([{ field: "reason", constraint: "notEmpty" }]);
    if (trimmed.length > LIMITS.retireReason) throw validationFailed([{ field: "reason", constraint: "maxLength" }]);
    return this.writer.write(current, { retired: { at: new Date(), reason: trimmed, by: by.name } }, RevisionAction.RETIRE, by.name);
  }

  /**
   * Brings back a retired entry (toVersion omitted), or the content and retirement state of any
   * earlier version. Always a new version: history only grows.
   */
  async restore(code: number, toVersion: number | null | undefined, principal: Principal | null) {
    const by = requirePermission(principal, "catalogue:write");
    let current = await this.current(code);
    // A refusal is decided on a fresh read: the model may lag another process's write.
    if (toVersion == null ? !current.retired : toVersion >= current.version) current = await this.current(code, true);
    this.assertUnlocked(current, by);
    if (toVersion == null) {
      if (!current.retired) throw new DomainError("CONFLICT", `Status code ${code} is not retired`, { statusCode: code });
      return this.writer.write(current, { retired: null }, RevisionAction.RESTORE, by.name);
    }
    if (toVersion >= current.version || toVersion < 1) {
      throw validationFailed([{ field: "toVersion", constraint: "earlierVersion" }]);
    }
    const target = await this.revisions.findOne({ code, version: toVersion }).lean<RevisionRecord>(); // any _id scheme
    if (!target) throw new DomainError("NOT_FOUND", `Status code ${code} has no version ${toVersion}`, { statusCode: code });
    // A rollback to a retired version retires the entry: a RETIRE, in its history and its event alike.
    const action = target.snapshot.retired && !current.retired ? RevisionAction.RETIRE : RevisionAction.RESTORE;
    return this.writer.write(current, restorable(current, target.snapshot), action, by.name);
  }

  /** Revisions of one entry, newest first, keyset-paged by version. */
  async history(entry: StatusCodeRecord, first: number | undefined, after: string | undefined) {
    const { code } = entry;
    const size = first ?? DEFAULT_PAGE_SIZE;
    if (size < 0 || size > MAX_PAGE_SIZE) throw new DomainError("BAD_USER_INPUT", `first must be between 0 and ${MAX_PAGE_SIZE}`);
    const below = after != null ? decodeVersionCursor(after) : undefined;
    // Versions are contiguous, so a page is known by its ids: from the entry's version (a claim
    // whose write failed, above it, is never shown) or the cursor's, down, one more than the page.
    const top = below != null ? below - 1 : entry.version;
    const ids: string[] = [];
    for (let version = top; version >= 1 && ids.length < size + 1; version -= 1) ids.push(revisionId(code, version));
    const found = await this.history_.read(ids);
    const rows = ids.map((id) => found.get(id)).filter((r) => r !== undefined);
    const edges = rows.slice(0, size).map((node) => ({ cursor: Buffer.from(`v:${node.version}`).toString("base64url"), node }));
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > size,
        hasPreviousPage: below != null,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }

  /** Shared order of checks for writes to an existing entry: 404, 410, 423, 428, 412. */
  private async editable(code: number, by: Principal, expectedVersion: number | null | undefined) {
    let current = await this.current(code);
    // The model may lag another process's write by up to a poll: a refusal (410, 412) is decided
    // on a fresh read only.
    if (current.retired || (expectedVersion != null && expectedVersion !== current.version)) current = await this.current(code, true);
    if (current.retired) throw this.catalogue.goneError(current);
    this.assertUnlocked(current, by);
    if (expectedVersion == null) {
      throw new DomainError("PRECONDITION_REQUIRED", "Pass expectedVersion: the version you read and mean to replace", {
        currentVersion: current.version,
      });
    }
    if (expectedVersion !== current.version) {
      throw new DomainError("PRECONDITION_FAILED", "The entry changed since it was read", {
        statusCode: code,
        currentVersion: current.version,
      });
    }
    return current;
  }

  /**
   * The entry as the read model has it, or as the database has it when the model has none (an
   * entry another process created since the last poll) or `fresh` is asked. A model that lags
   * can only make a write lose its claim (PRECONDITION_FAILED), never apply over a newer version.
   */
  private async current(code: number, fresh = false): Promise<StatusCodeRecord> {
    const held = fresh ? undefined : this.catalogue.find(code);
    if (held) return held;
    await this.sync.refreshEntry(code);
    return this.catalogue.findAny(code);
  }

  private assertUnlocked(entry: StatusCodeRecord, by: Principal) {
    if (SEEDED_SOURCES.has(entry.source) && !can(by, "catalogue:write-registry")) {
      throw new DomainError("LOCKED", `Status code ${entry.code} is seeded (${entry.source}): only admins may change it`, {
        statusCode: entry.code,
      });
    }
  }

  /**
   * A comparison is stored on the lower code of its pair (so it reads the same from both sides):
   * other must be higher than code, an existing entry, and named once.
   */
  private async badComparisons(code: number, comparisons: ComparisonInput[] | null | undefined): Promise<FieldError[]> {
    if (!comparisons?.length) return [];
    const others = comparisons.map((c) => c.other);
    // The same existence check as related codes, which names its findings "relatedCodes.<i>".
    const missing = new Set((await this.unknownRelated(code, others)).filter((e) => e.constraint === "exists").map((e) => e.field));
    return others.flatMap((other, i): FieldError[] => {
      const field = `comparisons.${i}.other`;
      if (!isCode(other)) return [{ field, constraint: "range" }];
      if (other <= code) return [{ field, constraint: "higherThanCode" }];
      if (missing.has(`relatedCodes.${i}`)) return [{ field, constraint: "exists" }];
      return others.indexOf(other) < i ? [{ field, constraint: "unique" }] : [];
    });
  }

  private async unknownRelated(code: number, related: number[] | null | undefined): Promise<FieldError[]> {
    if (!related?.length) return [];
    const errors: FieldError[] = [];
    const found = new Set(related.filter((c) => this.catalogue.active(c)));
    // Only codes the model lacks are asked of the database (created since the last poll?).
    const unknown = related.filter((c) => isCode(c) && !found.has(c));
    if (unknown.length) {
      const rows = await this.entries.find({ code: { $in: unknown }, retired: null }, { code: 1 }).lean<{ code: number }[]>();
      rows.forEach((e) => found.add(e.code));
    }
    related.forEach((c, i) => {
      if (c === code) errors.push({ field: `relatedCodes.${i}`, constraint: "notSelf" });
      else if (isCode(c) && !found.has(c)) errors.push({ field: `relatedCodes.${i}`, constraint: "exists" });
    });
    return errors;
  }
}

/**
 * An earlier version's content, to write over `current`. A version written before a content
 * field existed lacks it: the field keeps its current value, made to agree with the restored
 * content (the history ends with the restored specification, the example fits its flags).
 */
function restorable(current: StatusCodeRecord, snapshot: RevisionRecord["snapshot"]): RevisionRecord["snapshot"] {
  const restored = { ...snapshot };
  if (!restored.specificationHistory) restored.specificationHistory = historyEndingWith(current.specificationHistory, restored.specification);
  if (typeof restored.example !== "string") restored.example = agreeingExample({ ...current, ...restored });
  return restored;
}

function decodeVersionCursor(cursor: string): number {
  const match = /^v:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match) throw new DomainError("BAD_USER_INPUT", "Invalid cursor: use a cursor returned by history");
  return Number(match[1]);
}
