/**
 * How every `paved` command picks the catalog store: `--db URL`, else the `PAVED_DB_URL`
 * environment variable, else the embedded SQLite file `.paved/paved.db` in the working
 * directory. `postgres://...` (or `postgresql://...`) selects PostgreSQL; `sqlite:PATH` or a
 * plain path selects SQLite; `memory:` an in-memory store. Other commands reuse {@link db} and
 * {@link layer}.
 *
 * @since 0.1.0
 */
import * as Options from "@effect/cli/Options"
import { CatalogStore } from "@paved/catalog"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { UsageError } from "./Output.js"

/**
 * The `--db URL` option.
 *
 * @since 0.1.0
 */
export const db = Options.text("db").pipe(
  Options.withDescription(
    "Catalog store: postgres://user@host/db, sqlite:PATH or a file path, memory: (default: $PAVED_DB_URL, else .paved/paved.db)"
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
 * The store target for a `--db` value (the environment and the default fill in).
 *
 * @since 0.1.0
 */
export const target = (option: Option.Option<string>): Effect.Effect<Target> =>
  Option.match(option, {
    onSome: (url) => Effect.succeed(parseTarget(url)),
    onNone: () =>
      Config.option(Config.redacted("PAVED_DB_URL")).pipe(
        Effect.map(Option.filter((url) => Redacted.value(url).length > 0)),
        Effect.map(Option.match({
          onNone: (): Target => ({ _tag: "sqlite", filename: CatalogStore.DEFAULT_SQLITE_FILE }),
          onSome: (url) => parseTarget(Redacted.value(url))
        })),
        Effect.orElseSucceed((): Target => ({ _tag: "sqlite", filename: CatalogStore.DEFAULT_SQLITE_FILE }))
      )
  })

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
