/**
 * Ingestion: reconciling what a set of locations emits now with what the store holds.
 *
 * The input is the shape of `Catalog.load`'s result (entities with provenance, problems, and the
 * sources that were read). Per location, ingestion is a no-op when nothing changed (content
 * hash), updates what changed, turns what a location stopped emitting into orphans (deleted or
 * kept and marked), keeps the last known good entities of a file that became invalid (with the
 * problem attached to them), resolves two locations claiming one ref in favour of the first
 * claimant, and reports a renamed entity (same file, new name) as a rename. One ingest is one
 * transaction; concurrent ingests are serialised.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type { Entity } from "./Entity.js"
import type { EntityRef } from "./EntityRef.js"
import type * as Problem from "./Problem.js"

/**
 * An entity as the loader emits it, with where it came from. `location` is the key that
 * reconciliation groups by (`file:<absolute path>`).
 *
 * @since 0.1.0
 */
export interface InputEntity {
  readonly entity: Entity
  readonly ref?: EntityRef | undefined
  readonly file: string
  readonly line?: number | undefined
  readonly column?: number | undefined
  readonly location: string
}

/**
 * A problem found while loading: the one catalog `Problem`. Problems with a `ref` attach to that
 * entity; problems of an invalid file without a `ref` attach to every entity the file emitted
 * before (last known good).
 *
 * @deprecated Use `Problem.Problem` from `@paved/catalog/Problem`; this alias will be removed.
 * @since 0.1.0
 */
export type InputProblem = Problem.Problem

/**
 * A source that was read: a location is reconciled only when it appears here. `ok: false`
 * means the file is invalid, so its previous entities are kept (last known good).
 *
 * @since 0.1.0
 */
export interface InputSource {
  readonly file: string
  readonly location: string
  readonly ok: boolean
}

/**
 * What one ingest reconciles; `Catalog.load`'s `LoadResult` has this shape.
 *
 * @since 0.1.0
 */
export interface IngestInput {
  readonly entities: ReadonlyArray<InputEntity>
  readonly problems: ReadonlyArray<Problem.Problem>
  readonly sources: ReadonlyArray<InputSource>
}

/**
 * What happens to an entity its location no longer emits: `delete` removes it, `keep` (the
 * default) keeps it marked as an orphan (`paved.orphan=true` in queries). Both are reported.
 *
 * @since 0.1.0
 */
export type OrphanStrategy = "delete" | "keep"

/**
 * Options of an ingest. `roots` are the paths that were scanned: a stored location whose file is
 * under a root but that is absent from `sources` (a deleted file) is reconciled as emitting
 * nothing. `now` fixes the clock (tests).
 *
 * @since 0.1.0
 */
export interface IngestOptions {
  readonly orphans?: OrphanStrategy | undefined
  readonly roots?: ReadonlyArray<string> | undefined
  readonly now?: Date | undefined
  /**
   * The largest share (0 to 1) of the stored entities of the reconciled locations that one ingest
   * may orphan or delete. Above it the ingest fails with {@link IngestRefused} and changes
   * nothing: a wrong path or pattern must not wipe a catalog. Default: no limit (the `paved`
   * command uses 0.5). Renames do not count.
   *
   * @since 0.2.0
   */
  readonly maxOrphans?: number | undefined
  /**
   * Called when the ingest has decided what to write (`phase: "writing"`) and again when the
   * transaction has committed (`phase: "written"`), for a progress display. Absent by default.
   *
   * @since 0.2.0
   */
  readonly onProgress?: ((progress: IngestProgress) => void) | undefined
}

/**
 * How far an ingest has got, given to {@link IngestOptions.onProgress}: `writes` entity rows
 * written or deleted in one transaction, `unchanged` entities left as they were.
 *
 * @since 0.2.0
 */
export interface IngestProgress {
  readonly phase: "writing" | "written"
  readonly writes: number
  readonly unchanged: number
}

/**
 * An ingest refused because it would orphan (or delete) more than `maxOrphans` of the entities
 * it reconciles. Nothing was written. `refs` lists the first of them.
 *
 * @since 0.2.0
 */
export class IngestRefused extends Data.TaggedError("IngestRefused")<{
  readonly orphaned: number
  readonly total: number
  readonly maxOrphans: number
  readonly strategy: OrphanStrategy
  readonly refs: ReadonlyArray<string>
}> {
  override get message(): string {
    const share = (n: number) => `${Math.round(n * 1000) / 10}%`
    const more = this.orphaned > this.refs.length ? `, and ${this.orphaned - this.refs.length} more` : ""
    return `This ingest would ${this.strategy === "delete" ? "delete" : "orphan"} ${this.orphaned} of the ${this.total} stored entities ` +
      `of the locations it reads (${share(this.orphaned / this.total)}), above the limit of ${share(this.maxOrphans)}: ` +
      `${this.refs.join(", ")}${more}. Nothing was changed. Check the paths or patterns given; if they are right, raise the limit (maxOrphans) to confirm`
  }
}

/**
 * The refusal an ingest with options `O` can fail with: {@link IngestRefused} when `O` may set
 * `maxOrphans`, nothing otherwise (so callers that never set it handle no new error).
 *
 * @since 0.2.0
 */
export type RefusalOf<O> = O extends { readonly maxOrphans?: undefined } ? never : IngestRefused

/**
 * Two locations emitting one ref: the first claimant (the one already stored, else the
 * lexicographically first location) keeps it.
 *
 * @since 0.1.0
 */
export interface Conflict {
  readonly ref: EntityRef
  readonly keptLocation: string
  readonly rejectedLocation: string
}

/**
 * A rename: a file stopped emitting `from` and started emitting `to` of the same kind.
 *
 * @since 0.1.0
 */
export interface Rename {
  readonly from: EntityRef
  readonly to: EntityRef
  readonly location: string
}

/**
 * Entities kept at their last known good content because their file became invalid.
 *
 * @since 0.1.0
 */
export interface KeptEntity {
  readonly ref: EntityRef
  readonly location: string
  readonly problems: ReadonlyArray<Problem.Problem>
}

/**
 * What an ingest did.
 *
 * @since 0.1.0
 */
export interface IngestReport {
  readonly created: ReadonlyArray<EntityRef>
  readonly updated: ReadonlyArray<EntityRef>
  readonly unchanged: number
  readonly orphaned: ReadonlyArray<EntityRef>
  readonly deleted: ReadonlyArray<EntityRef>
  readonly renamed: ReadonlyArray<Rename>
  readonly conflicts: ReadonlyArray<Conflict>
  readonly lastKnownGood: ReadonlyArray<KeptEntity>
  readonly problems: ReadonlyArray<Problem.Problem>
  readonly locations: number
}

/**
 * Whether an ingest changed anything.
 *
 * @since 0.1.0
 */
export const changedAnything = (report: IngestReport): boolean =>
  report.created.length + report.updated.length + report.orphaned.length + report.deleted.length +
      report.renamed.length > 0
