/**
 * How every `paved` command picks the catalog store: `--db URL`, else the `PAVED_DB_URL`
 * environment variable, else `db:` in the project's `paved.yaml` (found by walking up from the
 * working directory, see `@paved/catalog/ProjectConfig`), else the embedded SQLite file
 * `.paved/paved.db` in the working directory. `postgres://...` (or `postgresql://...`) selects PostgreSQL; `sqlite:PATH` or a
 * plain path selects SQLite; `memory:` an in-memory store. Other commands reuse {@link db} and
 * {@link layer}.
 *
 * @since 0.1.0
 */
import * as Options from "@effect/cli/Options"
import * as CatalogStore from "@paved/catalog/CatalogStore"
import * as ProjectConfig from "@paved/catalog/ProjectConfig"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as fs from "node:fs"
import * as path from "node:path"
import { isReadOnly } from "./internal/mode.js"
import { UsageError } from "./Output.js"

/**
 * Makes sure the directory of a SQLite store can be used: a store path whose directory does not
 * exist is an error (never a new directory); the default `.paved/` is created by commands that
 * write, with a `.gitignore` of `*` so that `git add -A` never commits the store or the secret
 * key; a read-only command whose store does not exist fails instead of creating an empty one.
 *
 * @since 0.1.0
 */
export const prepareSqlite = (filename: string, explicit: boolean): Effect.Effect<void, UsageError> =>
  Effect.suspend(() => {
    if (filename === ":memory:" || filename.length === 0) return Effect.void
    const dir = path.dirname(path.resolve(filename))
    if (isReadOnly() && !fs.existsSync(filename)) {
      return Effect.fail(new UsageError({
        summary: explicit
          ? `no store at ${filename}; check the path (--db or PAVED_DB_URL), or create it with paved catalog ingest`
          : `no store here (${filename} does not exist); run paved catalog ingest first, or pass --db`
      }))
    }
    if (fs.existsSync(dir)) return Effect.void
    if (explicit) {
      return Effect.fail(new UsageError({ summary: `the directory ${path.dirname(filename)} of the store ${filename} does not exist; create it first or fix --db` }))
    }
    return Effect.try({
      try: () => ensureStateDir(path.dirname(filename)),
      catch: (error) => new UsageError({ summary: `cannot create ${path.dirname(filename)}: ${String(error)}` })
    })
  })

/**
 * Creates Paved's state directory (mode 0700) with a `.gitignore` of `*` in it, so nothing in it
 * (stores, the secret key, logs) is ever committed by accident.
 *
 * @since 0.1.0
 */
export const ensureStateDir = (dir: string): void => {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  const ignore = path.join(dir, ".gitignore")
  if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, "# Paved's local state (stores, secret key, logs): never commit it.\n*\n")
}

/**
 * The `--db URL` option.
 *
 * @since 0.1.0
 */
export const db = Options.text("db").pipe(
  Options.withDescription(
    "Catalog store: postgres://user@host/db, sqlite:PATH or a file path, memory: (default: $PAVED_DB_URL, else db: in paved.yaml, else .paved/paved.db)"
  ),
  Options.optional
)

/**
 * Where the store is, as chosen from the option, the environment and the default.
 *
 * @since 0.1.0
 */
export type Target =
  | { readonly _tag: "sqlite"; readonly filename: string }
  | { readonly _tag: "pg"; readonly url: Redacted.Redacted<string> }
  | { readonly _tag: "memory" }

/**
 * Reads a store URL.
 *
 * @since 0.1.0
 */
export const parseTarget = (url: string): Target => {
  if (/^postgres(ql)?:\/\//i.test(url)) return { _tag: "pg", url: Redacted.make(url) }
  if (url === "memory:") return { _tag: "memory" }
  if (url.startsWith("sqlite:")) return { _tag: "sqlite", filename: url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "") }
  return { _tag: "sqlite", filename: url }
}

/**
 * The project's `paved.yaml` (walking up from the working directory), if any; an invalid file is
 * a usage error whose message has a `paved.yaml:LINE:COLUMN` line per problem.
 *
 * @since 0.1.0
 */
export const project: Effect.Effect<Option.Option<ProjectConfig.ProjectConfig>, UsageError> = Effect.mapError(
  ProjectConfig.load(),
  (error) => new UsageError({ summary: error.message })
)

/**
 * The chosen store and where the choice came from: `flag` (`--db`), `env` (`PAVED_DB_URL`),
 * `paved.yaml` or `default`. Only the default may be created on first use.
 *
 * @since 0.1.0
 */
export interface Choice {
  readonly target: Target
  readonly from: "flag" | "env" | "paved.yaml" | "default"
}

/**
 * Chooses the store for a `--db` value: the flag, else `PAVED_DB_URL`, else `db:` in
 * `paved.yaml`, else `.paved/paved.db`. Nothing is checked or created.
 *
 * @since 0.1.0
 */
export const choose = (option: Option.Option<string>): Effect.Effect<Choice, UsageError> =>
  Option.match(option, {
    onSome: (url) => Effect.succeed<Choice>({ target: parseTarget(url), from: "flag" }),
    onNone: () =>
      Config.option(Config.redacted("PAVED_DB_URL")).pipe(
        Effect.map(Option.filter((url) => Redacted.value(url).length > 0)),
        Effect.orElseSucceed(() => Option.none<Redacted.Redacted<string>>()),
        Effect.flatMap(Option.match({
          onSome: (url) => Effect.succeed<Choice>({ target: parseTarget(Redacted.value(url)), from: "env" }),
          onNone: () =>
            Effect.map(project, (config) =>
              Option.match(Option.flatMap(config, (c) => c.db), {
                onSome: (url): Choice => ({ target: parseTarget(Redacted.value(url)), from: "paved.yaml" }),
                onNone: (): Choice => ({ target: { _tag: "sqlite", filename: DEFAULT_SQLITE_FILE }, from: "default" })
              }))
        }))
      )
  })

/**
 * The store target for a `--db` value (the environment, `paved.yaml` and the default fill in),
 * checked with {@link prepareSqlite}.
 *
 * @since 0.1.0
 */
export const target = (option: Option.Option<string>): Effect.Effect<Target, UsageError> =>
  choose(option).pipe(
    Effect.tap(({ from, target }) => target._tag === "sqlite" ? prepareSqlite(target.filename, from !== "default") : Effect.void),
    Effect.map(({ target }) => target)
  )

// The same as CatalogStore.DEFAULT_SQLITE_FILE, without loading the store module for it.
const DEFAULT_SQLITE_FILE = ".paved/paved.db"

/**
 * A description of the target for messages (never the password).
 *
 * @since 0.1.0
 */
export const describe = (t: Target): string => {
  switch (t._tag) {
    case "sqlite":
      return `SQLite ${t.filename}`
    case "memory":
      return "memory"
    case "pg": {
      try {
        const u = new URL(Redacted.value(t.url))
        return `PostgreSQL ${u.host}${u.pathname}`
      } catch {
        return "PostgreSQL"
      }
    }
  }
}

/**
 * The `CatalogStore` layer for a `--db` value. Failing to open the store is a usage or
 * environment error (exit 2).
 *
 * @since 0.1.0
 */
export const layer = (option: Option.Option<string>): Layer.Layer<CatalogStore.CatalogStore, UsageError> =>
  Layer.unwrapEffect(
    Effect.map(target(option), (t) => {
      const chosen = t._tag === "pg"
        ? CatalogStore.layerPg({ url: t.url })
        : t._tag === "memory"
        ? CatalogStore.layerMemory
        : CatalogStore.layerSqlite({ filename: t.filename })
      return Layer.mapError(chosen, (error) => new UsageError({ summary: `${error.message} (store: ${describe(t)})` }))
    })
  )
