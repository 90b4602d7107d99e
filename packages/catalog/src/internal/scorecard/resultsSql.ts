/**
 * The SQL tables behind `ScoreStore`: one row per run and one per (run, entity), with the
 * entity's content hash and each rule's version and status, compact enough to keep every run.
 * The schema is versioned in `paved_score_migrations` and works on SQLite and PostgreSQL.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import { createHash, randomUUID } from "node:crypto"
import type { CatalogView } from "../../CatalogView.js"
import type { EntityRef } from "../../EntityRef.js"
import type * as Rule from "../../Rule.js"
import type { Report } from "../../Scorecard.js"
import type { HistoryPoint, RuleChange } from "../../ScoreStore.js"

const migrations: ReadonlyArray<ReadonlyArray<string>> = [
  [
    `CREATE TABLE IF NOT EXISTS paved_score_runs (
      id TEXT PRIMARY KEY,
      scorecard TEXT NOT NULL,
      evaluated_at BIGINT NOT NULL,
      entities INTEGER NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS paved_score_results (
      run_id TEXT NOT NULL,
      scorecard TEXT NOT NULL,
      entity_ref TEXT NOT NULL,
      evaluated_at BIGINT NOT NULL,
      entity_hash TEXT NOT NULL,
      level TEXT,
      points INTEGER NOT NULL,
      max_points INTEGER NOT NULL,
      results TEXT NOT NULL,
      PRIMARY KEY (run_id, entity_ref)
    )`,
    `CREATE INDEX IF NOT EXISTS paved_score_results_by_entity ON paved_score_results (entity_ref, scorecard, evaluated_at)`
  ]
]

const migrate = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(`CREATE TABLE IF NOT EXISTS paved_score_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`)
  const rows = yield* sql<{ readonly version: number | string | null }>`SELECT MAX(version) AS version FROM paved_score_migrations`
  const current = Number(rows[0]?.version ?? 0)
  for (let v = current; v < migrations.length; v++) {
    yield* sql.withTransaction(Effect.gen(function*() {
      for (const statement of migrations[v]!) yield* sql.unsafe(statement)
      yield* sql`INSERT INTO paved_score_migrations ${sql.insert({ version: v + 1, applied_at: Date.now() })}`
    }))
  }
})

const stable = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(stable)
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, stable((value as Record<string, unknown>)[k])]))
  }
  return value
}

/** @internal */
export const hashEntity = (value: unknown): string =>
  createHash("sha1").update(JSON.stringify(stable(value))).digest("hex").slice(0, 16)

/** A stored rule result: [rule, version, status, message when not a pass, exempted]. */
type Compact = readonly [string, string, Rule.Status, string?, 1?]

interface Row {
  readonly run_id: string
  readonly scorecard: string
  readonly evaluated_at: number | string
  readonly entity_hash: string
  readonly level: string | null
  readonly points: number | string
  readonly max_points: number | string
  readonly results: string
}

const BATCH = 500

const changesBetween = (before: HistoryPoint | undefined, after: Omit<HistoryPoint, "changes" | "levelChanged" | "dataChanged">): ReadonlyArray<RuleChange> => {
  if (before === undefined) return []
  const dataChanged = before.entityHash !== after.entityHash
  const old = new Map(before.results.map((r) => [r.rule, r]))
  const out: Array<RuleChange> = []
  for (const r of after.results) {
    const was = old.get(r.rule)
    old.delete(r.rule)
    if (was === undefined) {
      out.push({ rule: r.rule, from: null, to: r.status, cause: "rule added" })
      continue
    }
    if (was.status === r.status && was.version === r.version) continue
    const ruleChanged = was.version !== r.version
    out.push({
      rule: r.rule,
      from: was.status,
      to: r.status,
      cause: ruleChanged && dataChanged ? "rule and data" : ruleChanged ? "rule" : dataChanged ? "data" : "facts or time"
    })
  }
  for (const was of old.values()) out.push({ rule: was.rule, from: was.status, to: null, cause: "rule removed" })
  return out
}

/** @internal */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* migrate

  const record = (report: Report, catalog: CatalogView): Effect.Effect<string, SqlError> => {
    const runId = randomUUID()
    const at = Date.parse(report.evaluatedAt)
    const rows = report.entities.map((e) => {
      const entity = catalog.get(e.ref)
      return {
        run_id: runId,
        scorecard: report.scorecard,
        entity_ref: e.ref,
        evaluated_at: at,
        entity_hash: entity === undefined ? "" : hashEntity(entity),
        level: e.level,
        points: e.points,
        max_points: e.maxPoints,
        results: JSON.stringify(e.results.map((r): Compact => {
          const base: Compact = r.status === "pass" ? [r.rule, r.version, r.status] : [r.rule, r.version, r.status, r.message]
          return r.exempted === undefined ? base : [r.rule, r.version, r.status, r.message, 1]
        }))
      }
    })
    return sql.withTransaction(Effect.gen(function*() {
      yield* sql`INSERT INTO paved_score_runs ${sql.insert({ id: runId, scorecard: report.scorecard, evaluated_at: at, entities: rows.length })}`
      for (let i = 0; i < rows.length; i += BATCH) {
        yield* sql`INSERT INTO paved_score_results ${sql.insert(rows.slice(i, i + BATCH))}`
      }
    })).pipe(Effect.as(runId))
  }

  const history = (
    ref: EntityRef,
    options: { readonly scorecard?: string | undefined; readonly limit?: number | undefined } = {}
  ): Effect.Effect<ReadonlyArray<HistoryPoint>, SqlError> =>
    Effect.gen(function*() {
      const limit = options.limit ?? 100
      const rows = options.scorecard === undefined
        ? yield* sql<Row>`SELECT run_id, scorecard, evaluated_at, entity_hash, level, points, max_points, results
            FROM paved_score_results WHERE entity_ref = ${ref} ORDER BY evaluated_at DESC LIMIT ${limit}`
        : yield* sql<Row>`SELECT run_id, scorecard, evaluated_at, entity_hash, level, points, max_points, results
            FROM paved_score_results WHERE entity_ref = ${ref} AND scorecard = ${options.scorecard}
            ORDER BY evaluated_at DESC LIMIT ${limit}`
      const points: Array<HistoryPoint> = []
      const lastByScorecard = new Map<string, HistoryPoint>()
      for (const row of [...rows].reverse()) {
        const compact = JSON.parse(row.results) as ReadonlyArray<Compact>
        const base = {
          runId: row.run_id,
          scorecard: row.scorecard,
          evaluatedAt: new Date(Number(row.evaluated_at)).toISOString(),
          entityHash: row.entity_hash,
          level: row.level,
          points: Number(row.points),
          maxPoints: Number(row.max_points),
          results: compact.map(([rule, version, status, message, exempted]) => ({
            rule,
            version,
            status,
            message: message ?? "ok",
            exempted: exempted === 1
          }))
        }
        const before = lastByScorecard.get(row.scorecard)
        const point: HistoryPoint = {
          ...base,
          levelChanged: before !== undefined && before.level !== base.level,
          dataChanged: before !== undefined && before.entityHash !== base.entityHash,
          changes: changesBetween(before, base)
        }
        lastByScorecard.set(row.scorecard, point)
        points.push(point)
      }
      return points
    })

  const runs = (limit = 50) =>
    Effect.map(
      sql<{ readonly id: string; readonly scorecard: string; readonly evaluated_at: number | string; readonly entities: number | string }>`
        SELECT id, scorecard, evaluated_at, entities FROM paved_score_runs ORDER BY evaluated_at DESC LIMIT ${limit}`,
      (rows) => rows.map((r) => ({ id: r.id, scorecard: r.scorecard, evaluatedAt: new Date(Number(r.evaluated_at)).toISOString(), entities: Number(r.entities) }))
    )

  return { record, history, runs }
})
