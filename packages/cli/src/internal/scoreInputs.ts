/**
 * What `paved score` and `paved catalog owners` read: the catalog (from PATHs, loaded like
 * `paved catalog validate`, or without PATHs from the catalog store chosen by `--db`), the
 * scorecard (a file, `.paved/scorecard.yaml`, or the built-in default), facts files, and the
 * score store (the same `--db`: SQLite `.paved/paved.db` by default, or PostgreSQL).
 */
import * as Args from "@effect/cli/Args"
import * as Options from "@effect/cli/Options"
import { Catalog, CatalogStore, CatalogView, type Entity, type EntityRef, Facts, type OwnershipHealth, Problem, type Query, Scorecard, ScoreStore } from "@paved/catalog"
import * as Chunk from "effect/Chunk"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Output from "../Output.js"
import * as Store from "../Store.js"

/** `PATH...`: catalog files, directories or globs (default: the current directory). */
export const paths = Args.text({ name: "PATH" }).pipe(
  Args.withDescription("Catalog files, directories (every catalog-info.yaml below them) or globs; default: the catalog store (--db)"),
  Args.repeated
)

/** `--scorecard FILE`. */
export const scorecardFile = Options.file("scorecard").pipe(
  Options.withDescription("Scorecard YAML (default: .paved/scorecard.yaml if present, else the built-in production-readiness scorecard)"),
  Options.optional
)

/** `--filter key=value` (repeatable; field paths such as kind, spec.type, metadata.labels[tier]). */
export const filters = Options.text("filter").pipe(
  Options.withDescription("Score only entities whose field equals the value, e.g. --filter kind=Component --filter spec.type=service"),
  Options.repeated
)

/** `--facts FILE` (repeatable). */
export const factsFiles = Options.file("facts").pipe(
  Options.withDescription("Facts file(s): sources: [{ id, ttl, facts: [{ entity, key, value, observedAt }] }]; stale or missing facts make rules unknown"),
  Options.repeated
)

/** `--db URL`: the catalog store's option; scores are kept in the same database. */
export const db = Store.db

/** The default scorecard file a team adopts by committing it. */
export const ADOPTED_SCORECARD = ".paved/scorecard.yaml"

const usage = (summary: string) => new Output.UsageError({ summary })

/** Every entity in the catalog store, page by page. */
const storedEntities: Effect.Effect<ReadonlyArray<Entity.Entity>, CatalogStore.StoreError | Query.InvalidQuery, CatalogStore.CatalogStore> =
  Effect.map(Stream.runCollect(Stream.map(CatalogStore.stream({}, { pageSize: 1000 }), (item) => item.entity)), Chunk.toReadonlyArray)

/**
 * Builds the view and says what loading found: from PATHs (load problems are summarised on
 * stderr and returned, sorted), or without PATHs from the catalog store at `--db` (no problems:
 * the store holds valid entities only).
 */
export const loadViewWithProblems = (inputs: ReadonlyArray<string>, dbOption: Option.Option<string> = Option.none()) =>
  Effect.gen(function*() {
    if (inputs.length === 0) {
      const entities = yield* storedEntities.pipe(Effect.provide(Store.layer(dbOption)))
      if (entities.length === 0) {
        return yield* usage("the catalog store is empty: run paved catalog ingest PATH first, or give catalog PATHs")
      }
      return { view: CatalogView.fromEntities(entities), problems: [] as ReadonlyArray<Problem.Problem> }
    }
    const missing = inputs.filter((p) => !/[*?[]/.test(p) && !fs.existsSync(p))
    if (missing.length > 0) return yield* usage(`no such file or directory: ${missing.join(", ")}`)
    const result = yield* Catalog.load(inputs)
    const errors = result.problems.filter((p) => p.severity === "error").length
    if (errors > 0) yield* Console.error(`paved: the catalog has ${errors} errors; invalid entities are left out (see paved catalog validate)`)
    return { view: CatalogView.fromEntities(result.entities.map((e) => e.entity)), problems: Problem.sort(result.problems) as ReadonlyArray<Problem.Problem> }
  })

/**
 * Builds the view: from PATHs (load problems are summarised on stderr), or without PATHs from
 * the catalog store at `--db`.
 */
export const loadView = (inputs: ReadonlyArray<string>, dbOption: Option.Option<string> = Option.none()) =>
  Effect.map(loadViewWithProblems(inputs, dbOption), (loaded) => loaded.view)

/**
 * Groups the store's history records as deleted or renamed (and still absent), with the users
 * whose `memberOf` changed in the same ingest as their likely former members.
 */
export const departures = (dbOption: Option.Option<string>, current: CatalogView.CatalogView) =>
  Effect.gen(function*() {
    const store = yield* CatalogStore.CatalogStore
    const entries = yield* store.history({ limit: 100_000 })
    const isGroup = (ref: string) => ref.startsWith("group:")
    const moved = new Map<string, Array<EntityRef.EntityRef>>()
    for (const e of entries) {
      if (e.ref.startsWith("user:") && e.paths.some((p) => p.startsWith("spec.memberOf"))) {
        const list = moved.get(e.at) ?? []
        list.push(e.ref)
        moved.set(e.at, list)
      }
    }
    const out = new Map<EntityRef.EntityRef, OwnershipHealth.Departure>()
    for (const e of entries) {
      if (!isGroup(e.ref) || current.get(e.ref) !== undefined || out.has(e.ref)) continue
      const renamed = e.change === "renamed" && e.detail.startsWith("renamed to ") ? e.detail.slice("renamed to ".length).trim() : undefined
      if (e.change !== "deleted" && renamed === undefined) continue
      out.set(e.ref, {
        ref: e.ref,
        renamedTo: renamed as EntityRef.EntityRef | undefined,
        at: e.at,
        formerMembers: moved.get(e.at) ?? []
      })
    }
    return [...out.values()]
  }).pipe(Effect.provide(Store.layer(dbOption)))

/**
 * The scorecard in force: `--scorecard`, else the first of `scorecards:` in paved.yaml, else the
 * adopted file, else the built-in one.
 */
export const loadScorecard = (file: Option.Option<string>) =>
  Effect.gen(function*() {
    const configured = Option.flatMap(yield* Store.project, (p) => Option.fromNullable(p.scorecards[0]))
    const chosen = Option.getOrElse(Option.orElse(file, () => configured), () => fs.existsSync(ADOPTED_SCORECARD) ? ADOPTED_SCORECARD : "")
    if (chosen === "") return Scorecard.defaultScorecard
    return yield* Scorecard.loadFile(chosen)
  })

/** The facts layer from `--facts` files (no sources: fact rules are unknown). */
export const factsLayer = (files: ReadonlyArray<string>): Effect.Effect<Layer.Layer<Facts.Facts>, Output.UsageError | Facts.FactsFileError> =>
  Effect.gen(function*() {
    const sources: Array<Facts.FactSource> = []
    for (const file of files) {
      const text = yield* Effect.try({ try: () => fs.readFileSync(file, "utf8"), catch: (e) => usage(`cannot read facts file ${file}: ${String(e)}`) })
      const parsed = Facts.parseFactsFile(text, path.relative(process.cwd(), file) || file)
      if (Either.isLeft(parsed)) return yield* parsed.left
      sources.push(...parsed.right)
    }
    return Facts.layer(sources)
  })

/** `--filter k=v` pairs. */
export const filterPairs = (values: ReadonlyArray<string>) =>
  Effect.forEach(values, (v) => {
    const eq = v.indexOf("=")
    return eq <= 0 ? Effect.fail(usage(`--filter ${v}: write it as key=value, e.g. kind=Component`)) : Effect.succeed([v.slice(0, eq), v.slice(eq + 1)] as const)
  })

/** The score store in the same database as the catalog store chosen by `--db`. */
export const storeLayer = (dbOption: Option.Option<string>) =>
  Layer.unwrapEffect(Effect.map(Store.target(dbOption), (t) => Store.over(Store.open(t), ScoreStore)))
