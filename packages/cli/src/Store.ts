/**
 * How every `paved` command picks the catalog store: `--db URL`, else the `PAVED_DB_URL`
 * environment variable, else `db:` in the project's `paved.yaml` (found by walking up from the
 * working directory, see `@paved/catalog/ProjectConfig`), else the embedded SQLite file
 * `.paved/paved.db` in the working directory. `postgres://...` (or `postgresql://...`) selects PostgreSQL; `sqlite:PATH` or a
 * plain path selects SQLite; `memory:` an in-memory store (the rules of `@paved/catalog/Database`).
 * Other commands reuse {@link db} and {@link layer}; a command that needs several stores opens the
 * database once ({@link open}) and puts each store over it ({@link over}).
 *
 * @since 0.1.0
 */
import * as Options from "@effect/cli/Options"
import type * as SqlClient from "@effect/sql/SqlClient"
import * as CatalogStore from "@paved/catalog/CatalogStore"
import * as Database from "@paved/catalog/Database"
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
 * Where the store is, as chosen from the option, the environment and the default (a
 * `Database.Target`).
 *
 * @since 0.1.0
 */
export type Target = Database.Target

/**
 * Reads a store URL (`Database.parse`).
 *
 * @since 0.1.0
 */
export const parseTarget: (url: string) => Target = Database.parse

/**
 * The project's `paved.yaml` (walking up from the working directory), if any; an invalid file is
 * a `ProjectConfigError` (a usage error by `Output.exitCodes`) whose message has a
 * `paved.yaml:LINE:COLUMN` line per problem.
 *
 * @since 0.1.0
 */
export const project: Effect.Effect<Option.Option<ProjectConfig.ProjectConfig>, ProjectConfig.ProjectConfigError> = ProjectConfig.load()

/**
 * The key file of the provisioning secrets kept under `dir`: `secretKey:` in the project's
 * `paved.yaml`, else `<dir>/secret.key`. `paved provision` and `paved ui` open the same file, so
 * secrets one writes the other can read.
 *
 * @since 0.2.0
 */
export const secretKeyFile = (project: Option.Option<ProjectConfig.ProjectConfig>, dir: string): string =>
  Option.getOrElse(Option.flatMap(project, (p) => p.secretKey), () => path.join(dir, "secret.key"))

/**
 * Why a store cannot be chosen or opened: a usage error of the command (a missing directory, an
 * unusable file), or an invalid `paved.yaml`. Both exit 2 (`Output.exitCodes`).
 *
 * @since 0.2.0
 */
export type Unusable = UsageError | ProjectConfig.ProjectConfigError

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
export const choose = (option: Option.Option<string>): Effect.Effect<Choice, ProjectConfig.ProjectConfigError> =>
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
export const target = (option: Option.Option<string>): Effect.Effect<Target, Unusable> =>
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
export const describe: (t: Target) => string = Database.describe

/**
 * A database a command has chosen: its target and the one `SqlClient` layer every store of the
 * command runs over (Effect builds a layer value once per `Layer` build, so the stores merged
 * into one layer share one SQLite connection or one PostgreSQL pool).
 *
 * @since 0.2.0
 */
export interface Opened {
  readonly target: Target
  readonly client: Layer.Layer<SqlClient.SqlClient, UsageError>
}

/**
 * Opens the database of a target (lazily: nothing happens until a store layer over it is
 * built). Failing to open it is a usage or environment error (exit 2). `tightenExisting` makes
 * an existing SQLite file and `.paved` private too, as the state and environment stores do.
 *
 * @since 0.2.0
 */
export const open = (target: Target, options: Database.LayerOptions = {}): Opened => ({
  target,
  client: Layer.mapError(Database.layer(target, options), (error) => new UsageError({ summary: error.message }))
})

/**
 * The layers every Paved store module offers under these names (`CatalogStore`, `ScoreStore`,
 * `StateStore`, `EnvStore`, `SpanStore`): pass the module itself.
 *
 * @since 0.2.0
 */
export interface StoreLayers<A, E> {
  readonly layerSqlClient: Layer.Layer<A, E, SqlClient.SqlClient>
  readonly layerMemory?: Layer.Layer<A, E> | undefined
}

/**
 * A store over an opened database: its `layerSqlClient` over the database's one client, or, for
 * the memory target, its `layerMemory` when it has one. The store's failures become usage errors
 * that name the store (never its password).
 *
 * @since 0.2.0
 */
export const over = <A, E extends { readonly message: string }>(
  database: Opened,
  store: StoreLayers<A, E>
): Layer.Layer<A, UsageError> => {
  const chosen: Layer.Layer<A, E | UsageError> = database.target._tag === "memory" && store.layerMemory !== undefined
    ? store.layerMemory
    : Layer.provide(store.layerSqlClient, database.client)
  return Layer.mapError(chosen, (error) =>
    error instanceof UsageError ? error : new UsageError({ summary: `${error.message} (store: ${describe(database.target)})` }))
}

/**
 * The `CatalogStore` layer for a `--db` value. Failing to open the store is a usage or
 * environment error (exit 2).
 *
 * @since 0.1.0
 */
export const layer = (option: Option.Option<string>): Layer.Layer<CatalogStore.CatalogStore, Unusable> =>
  Layer.unwrapEffect(Effect.map(target(option), (t) => over(open(t), CatalogStore)))
