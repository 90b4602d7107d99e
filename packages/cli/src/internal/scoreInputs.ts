/**
 * What `paved score` and `paved catalog owners` read: the catalog (from PATHs, loaded like
 * `paved catalog validate`), the scorecard (a file, `.paved/scorecard.yaml`, or the built-in
 * default), facts files, and the score store (`--db`, SQLite by default).
 */
import * as Args from "@effect/cli/Args"
import * as Options from "@effect/cli/Options"
import { Catalog, CatalogView, Facts, Scorecard, ScoreStore } from "@paved/catalog"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Output from "../Output.js"

/** `PATH...`: catalog files, directories or globs (default: the current directory). */
export const paths = Args.text({ name: "PATH" }).pipe(
  Args.withDescription("Catalog files, directories (every catalog-info.yaml below them) or globs; default: the current directory"),
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

/** `--db FILE|URL`. */
export const db = Options.text("db").pipe(
  Options.withDescription("Where results are stored: a SQLite file (default .paved/paved.db) or a postgres:// URL"),
  Options.withDefault(".paved/paved.db")
)

/** The default scorecard file a team adopts by committing it. */
export const ADOPTED_SCORECARD = ".paved/scorecard.yaml"

const usage = (summary: string) => new Output.UsageError({ summary })

/** Loads the catalog and builds the view; load problems are summarised on stderr. */
export const loadView = (inputs: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const list = inputs.length === 0 ? ["."] : inputs
    const missing = list.filter((p) => !/[*?[]/.test(p) && !fs.existsSync(p))
    if (missing.length > 0) return yield* usage(`no such file or directory: ${missing.join(", ")}`)
    const result = yield* Catalog.load(list)
    const errors = result.problems.filter((p) => p.severity === "error").length
    if (errors > 0) yield* Console.error(`paved: the catalog has ${errors} errors; invalid entities are left out (see paved catalog validate)`)
    return CatalogView.fromEntities(result.entities.map((e) => e.entity))
  })

/** The scorecard in force: `--scorecard`, else the adopted file, else the built-in one. */
export const loadScorecard = (file: Option.Option<string>) =>
  Effect.gen(function*() {
    const chosen = Option.getOrElse(file, () => fs.existsSync(ADOPTED_SCORECARD) ? ADOPTED_SCORECARD : "")
    if (chosen === "") return Scorecard.defaultScorecard
    return yield* Scorecard.loadFile(chosen).pipe(Effect.mapError((e) => usage(e.message)))
  })

/** The facts layer from `--facts` files (no sources: fact rules are unknown). */
export const factsLayer = (files: ReadonlyArray<string>): Effect.Effect<Layer.Layer<Facts.Facts>, Output.UsageError> =>
  Effect.gen(function*() {
    const sources: Array<Facts.FactSource> = []
    for (const file of files) {
      const text = yield* Effect.try({ try: () => fs.readFileSync(file, "utf8"), catch: (e) => usage(`cannot read facts file ${file}: ${String(e)}`) })
      const parsed = Facts.parseFactsFile(text, path.relative(process.cwd(), file) || file)
      if (Either.isLeft(parsed)) return yield* usage(parsed.left.message)
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

/** The score store layer for `--db`. */
export const storeLayer = (target: string) =>
  /^postgres(ql)?:\/\//.test(target) ? ScoreStore.layerPg({ url: target }) : ScoreStore.layerSqlite({ filename: target })
