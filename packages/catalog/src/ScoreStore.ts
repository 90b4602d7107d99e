/**
 * Stored scorecard results: every evaluation is kept with each rule's version, the entity's
 * content hash and the time, so an entity's history says whether a result moved because the
 * rule changed, the entity's data changed, or neither (a fact or an exemption's expiry).
 * Backed by `@effect/sql`: SQLite (`.paved/paved.db`, the default) or PostgreSQL, in the
 * tables `paved_score_runs` and `paved_score_results` (schema versions in
 * `paved_score_migrations`).
 *
 * @since 0.1.0
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type { CatalogView } from "./CatalogView.js"
import * as Database from "./Database.js"
import type { EntityRef } from "./EntityRef.js"
import type * as Rule from "./Rule.js"
import type { Report } from "./Scorecard.js"
import * as internal from "./internal/scorecard/resultsSql.js"

/**
 * The score store failed: the database could not be opened, migrated, written or read.
 *
 * @since 0.1.0
 */
export class ScoreStoreError extends Data.TaggedError("ScoreStoreError")<{
  readonly operation: string
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `score store ${this.operation} failed: ${this.detail}`
  }
}

/**
 * How one rule's result moved between two evaluations of an entity, and why: the rule's
 * version changed, the entity's data changed, both, or neither (`facts or time`).
 *
 * @since 0.1.0
 */
export interface RuleChange {
  readonly rule: string
  readonly from: Rule.Status | null
  readonly to: Rule.Status | null
  readonly cause: "rule" | "data" | "rule and data" | "facts or time" | "rule added" | "rule removed"
}

/**
 * One stored evaluation of one entity, oldest first in a history, with what changed since
 * the previous evaluation under the same scorecard.
 *
 * @since 0.1.0
 */
export interface HistoryPoint {
  readonly runId: string
  readonly scorecard: string
  readonly evaluatedAt: string
  readonly entityHash: string
  readonly level: string | null
  readonly points: number
  readonly maxPoints: number
  readonly results: ReadonlyArray<{
    readonly rule: string
    readonly version: string
    readonly status: Rule.Status
    readonly message: string
    readonly exempted: boolean
  }>
  readonly levelChanged: boolean
  readonly dataChanged: boolean
  readonly changes: ReadonlyArray<RuleChange>
}

/**
 * A stored run.
 *
 * @since 0.1.0
 */
export interface Run {
  readonly id: string
  readonly scorecard: string
  readonly evaluatedAt: string
  readonly entities: number
}

/**
 * The service: record a report (with the catalog it was computed from, for content hashes),
 * read an entity's history (latest `limit` evaluations, default 100), list runs.
 *
 * @since 0.1.0
 */
export class ScoreStore extends Context.Tag("@paved/catalog/ScoreStore")<ScoreStore, {
  readonly record: (report: Report, catalog: CatalogView) => Effect.Effect<string, ScoreStoreError>
  readonly history: (
    ref: EntityRef,
    options?: { readonly scorecard?: string | undefined; readonly limit?: number | undefined }
  ) => Effect.Effect<ReadonlyArray<HistoryPoint>, ScoreStoreError>
  readonly runs: (limit?: number) => Effect.Effect<ReadonlyArray<Run>, ScoreStoreError>
}>() {}

/**
 * Builds the store over the ambient `SqlClient`, migrating its tables first.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<ScoreStore["Type"], ScoreStoreError, SqlClient.SqlClient> = internal.make.pipe(
  Effect.map((s): ScoreStore["Type"] => ({
    record: (report, catalog) =>
      Effect.mapError(s.record(report, catalog), (cause) => new ScoreStoreError({ operation: "record", detail: cause.message, cause })),
    history: (ref, options) =>
      Effect.mapError(s.history(ref, options), (cause) => new ScoreStoreError({ operation: "history", detail: cause.message, cause })),
    runs: (limit) => Effect.mapError(s.runs(limit), (cause) => new ScoreStoreError({ operation: "runs", detail: cause.message, cause }))
  })),
  Effect.mapError((cause) =>
    cause instanceof ScoreStoreError ? cause : new ScoreStoreError({ operation: "migrate", detail: cause.message, cause })
  )
)

/**
 * The store over an existing `SqlClient` layer (share the catalog store's connection).
 *
 * @since 0.1.0
 */
export const layerSqlClient: Layer.Layer<ScoreStore, ScoreStoreError, SqlClient.SqlClient> = Layer.effect(ScoreStore, make)

/**
 * The store in a SQLite file, opened with `Database.layer` (a missing directory is created
 * 0700 and a new file 0600); the default file is `.paved/paved.db`, shared with the catalog
 * store.
 *
 * @since 0.1.0
 */
export const layerSqlite = (options: { readonly filename: string }): Layer.Layer<ScoreStore, ScoreStoreError> =>
  Layer.provide(layerSqlClient, Layer.mapError(Database.layer(Database.sqlite(options.filename)), scoreStoreErrorOf))

/**
 * The store on PostgreSQL at `url`, opened with `Database.layer`; the URL is kept `Redacted`.
 *
 * @since 0.1.0
 */
export const layerPg = (options: { readonly url: string | Redacted.Redacted<string> }): Layer.Layer<ScoreStore, ScoreStoreError> =>
  Layer.provide(layerSqlClient, Layer.mapError(Database.layer(Database.pg(options.url), { maxConnections: 5 }), scoreStoreErrorOf))

const scoreStoreErrorOf = (error: Database.DatabaseError): ScoreStoreError =>
  new ScoreStoreError({ operation: error.operation === "connect" ? "connect" : "open", detail: error.message, cause: error })
