/**
 * `paved ui [--db URL] [--readonly] [PATH...]`: the terminal UI over the catalog store, or over
 * catalog files loaded into an in-memory store when PATHs are given. Needs a terminal: when
 * stdin or stdout is not one, it exits with code 2 and says what to use instead.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Catalog } from "@paved/catalog"
import * as CatalogStore from "@paved/catalog/CatalogStore"
import * as EnvStore from "@paved/envs/EnvStore"
import * as Provision from "@paved/provision/Provision"
import * as Provisioner from "@paved/provision/Provisioner"
import * as ProvisionState from "@paved/provision/StateStore"
import * as SpanStore from "@paved/observe/SpanStore"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as fs from "node:fs"
import * as Output from "../Output.js"
import * as Store from "../Store.js"

const paths = Args.text({ name: "PATH" }).pipe(
  Args.withDescription("Catalog files, directories or globs to browse (loaded into memory; the store is not touched)"),
  Args.repeated
)

const readonly = Options.boolean("readonly").pipe(
  Options.withDescription("Read-only: disable every action that changes something (environments, provisioning)")
)

const filesLayer = (inputs: ReadonlyArray<string>): Layer.Layer<CatalogStore.CatalogStore, CatalogStore.StoreError> =>
  Layer.tap(CatalogStore.layerMemory, (context) =>
    Effect.flatMap(Catalog.load(inputs), (loaded) => Context.get(context, CatalogStore.CatalogStore).ingest(loaded)))

// Spans, environments and provisioning state live in the same store as the catalog. They are
// optional in the TUI: when their store cannot be opened, their views say so and the catalog
// still works.
// The TUI reads them with `Effect.serviceOption`, so the layer promises nothing about them.
const optional = <A, E>(layer: Layer.Layer<A, E>): Layer.Layer<never> => Layer.catchAll(layer, () => Layer.empty)

const storeLayer = (db: Option.Option<string>, readonly: boolean) =>
  Layer.unwrapEffect(Effect.map(Store.target(db), (t) => {
    const spans = t._tag === "pg" ? SpanStore.layerPg({ url: t.url }) : t._tag === "memory" ? SpanStore.layerMemory : SpanStore.layerSqlite({ filename: t.filename })
    const envs = t._tag === "pg" ? EnvStore.layerPg({ url: t.url }) : t._tag === "memory" ? Layer.empty : EnvStore.layerSqlite({ filename: t.filename })
    // Provisioning state lives in the same store too, with its secrets under .paved (as `paved provision`).
    // Read-only sessions only plan: they get no secret box, so opening one creates no key file.
    const stateUrl = t._tag === "pg" ? Redacted.value(t.url) : t._tag === "sqlite" ? t.filename : undefined
    const state = t._tag === "pg" ? ProvisionState.layerPg({ url: t.url }) : ProvisionState.layerSqlite({ filename: t._tag === "sqlite" ? t.filename : ":memory:" })
    const provision = stateUrl === undefined
      ? Layer.empty
      : readonly
      ? Layer.merge(state, Provisioner.layerLocal({ dir: ".paved" }))
      : Provision.layerLocal({ dir: ".paved", stateUrl })
    return Layer.mergeAll(Store.layer(db), optional(spans), optional(envs), optional(provision))
  }))

/**
 * The `ui` command.
 *
 * @since 0.1.0
 */
export const ui = Command.make("ui", { paths, db: Store.db, readonly }, ({ db, paths, readonly }) =>
  Effect.gen(function*() {
    if (process.stdout.isTTY !== true || process.stdin.isTTY !== true) {
      return yield* new Output.UsageError({
        summary: `the terminal UI needs an interactive terminal (${process.stdout.isTTY === true ? "stdin" : "stdout"} is not a TTY); ` +
          "for scripts and pipes use paved catalog query --format json"
      })
    }
    const missing = paths.filter((p) => !/[*?[]/.test(p) && !fs.existsSync(p))
    if (missing.length > 0) return yield* new Output.UsageError({ summary: `no such file or directory: ${missing.join(", ")}` })
    if (paths.length > 0 && Option.isSome(db)) {
      return yield* new Output.UsageError({ summary: "give either --db or PATHs, not both (PATHs are browsed in memory)" })
    }
    const layer: Layer.Layer<CatalogStore.CatalogStore, CatalogStore.StoreError | Output.UsageError> = paths.length > 0
      ? filesLayer(paths)
      : storeLayer(db, readonly)
    // React checks NODE_ENV when it is first loaded; its development build is several times
    // slower per frame. Loading the TUI here also keeps Ink and React out of every other command.
    process.env.NODE_ENV ??= "production"
    const { Tui } = yield* Effect.promise(() => import("@paved/tui"))
    yield* Tui.run(layer, { readonly }).pipe(
      Effect.mapError((error) => new Output.UsageError({ summary: error.message }))
    )
  })
).pipe(Command.withDescription("The terminal UI: browse the catalog (filter with /, facets with f, : for commands, ? for help)"))
