/**
 * The change history of the catalog: every time an ingest creates, updates, orphans, deletes,
 * renames, moves or keeps (last known good) an entity, one entry records when, from which
 * location, which fields changed, and — called out separately — whether the owner changed.
 *
 * @since 0.1.0
 */
import type { EntityRef } from "./EntityRef.js"

/**
 * What happened to an entity:
 * `created`, `updated` (content changed), `orphaned` (its location stopped emitting it and it was
 * kept), `deleted`, `renamed` (recorded on both the old and the new ref), `moved` (another
 * location now emits it), `invalid` (its file became invalid; the last known good content is
 * kept with the problem), `restored` (a valid file emits it again after orphan or invalid).
 *
 * @since 0.1.0
 */
export type Change = "created" | "updated" | "orphaned" | "deleted" | "renamed" | "moved" | "invalid" | "restored"

/**
 * One recorded change. `paths` lists the changed fields (`spec.owner`, `metadata.tags`, ...);
 * `ownerBefore`/`ownerAfter` are set when the owner changed (or on creation/deletion).
 *
 * @since 0.1.0
 */
export interface HistoryEntry {
  readonly id: number
  readonly ref: EntityRef
  readonly at: string
  readonly location: string | null
  readonly change: Change
  readonly detail: string
  readonly paths: ReadonlyArray<string>
  readonly ownerBefore: string | null
  readonly ownerAfter: string | null
}

/**
 * Which entries to list: one entity's (`ref`), those since a time, newest first, at most
 * `limit` (default 1000).
 *
 * @since 0.1.0
 */
export interface HistoryQuery {
  readonly ref?: string | undefined
  readonly since?: Date | undefined
  readonly limit?: number | undefined
}

/**
 * Whether an entry changed the entity's owner.
 *
 * @since 0.1.0
 */
export const isOwnerChange = (entry: HistoryEntry): boolean =>
  entry.change === "updated" && entry.ownerBefore !== entry.ownerAfter
