/**
 * `paved ui [--db URL] [--telemetry-db URL] [--envs-db URL] [--readonly] [PATH...]`: the terminal
 * UI over the catalog store (spans and environments from the same store unless named), or over
 * catalog files loaded into an in-memory store when PATHs are given. Needs a terminal: when
 * stdin or stdout is not one, it exits with code 2 and says what to use instead.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as CatalogStore from "@paved/catalog/CatalogStore"
import * as EnvStore from "@paved/envs/EnvStore"
import * as Provisioner from "@paved/provision/Provisioner"
import * as SecretBox from "@paved/provision/SecretBox"
import * as ProvisionState from "@paved/provision/StateStore"
import * as SpanStore from "@paved/observe/SpanStore"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as fs from "node:fs"
import * as Output from "../Output.js"
import * as Store from "../Store.js"
import { fromFiles, optional } from "../internal/storeLayers.js"

const paths = Args.text({ name: "PATH" }).pipe(
  Args.withDescription("Catalog files, directories or globs to browse (loaded into memory; the store is not touched)"),
  Args.repeated
)

const readonly = Options.boolean("readonly").pipe(
  Options.withDescription("Read-only: disable every action that changes something (environments, provisioning)")
)

// `paved demo --keep` keeps its spans and environments in stores of their own beside the
// catalog; these point the UI at them (the default is the catalog store, where `paved observe
// serve --db` and `paved env up --db` put them).
const telemetryDb = Options.text("telemetry-db").pipe(
  Options.withDescription("Span store for :traces and the entity's recent traces (a SQLite file, sqlite:PATH or postgres:// URL; default: the --db store)"),
  Options.optional
)

const envsDb = Options.text("envs-db").pipe(
  Options.withDescription("Environment store for :envs and the entity's environments (a SQLite file, sqlite:PATH or postgres:// URL; default: the --db store)"),
  Options.optional
)

// A store given for one kind of data only: its path must exist (the UI never creates it).
const sideTarget = (option: Option.Option<string>, fallback: Store.Target): Effect.Effect<Store.Target, Output.UsageError> =>
  Option.match(option, {
    onNone: () => Effect.succeed(fallback),
    onSome: (url) => {
      const t = Store.parseTarget(url)
      return t._tag === "sqlite" && !fs.existsSync(t.filename)
        ? Effect.fail(new Output.UsageError({ summary: `no store at ${t.filename}; check the path of --telemetry-db/--envs-db` }))
        : Effect.succeed(t)
    }
  })

// Spans, environments and provisioning state live in the same store as the catalog. They are
// optional in the TUI: when their store cannot be opened, their views say so and the catalog
// still works.

const storeLayer = (
  db: Option.Option<string>,
  readonly: boolean,
  side: { readonly telemetryDb: Option.Option<string>; readonly envsDb: Option.Option<string> }
) =>
  Layer.unwrapEffect(Effect.gen(function*() {
    const t = yield* Store.target(db)
    const st = yield* sideTarget(side.telemetryDb, t)
    const et = yield* sideTarget(side.envsDb, t)
    // One database (one SQLite connection, one PostgreSQL pool) for every store of the session;
    // made private as the state store makes it, since provisioning state is among them. Only a
    // store named on its own (--telemetry-db, --envs-db) opens another.
    const database = Store.open(t, { tightenExisting: true })
    const openFor = (side: Store.Target) => side === t ? database : Store.open(side, { tightenExisting: true })
    const spans = Store.over(openFor(st), SpanStore)
    const envs = Store.over(openFor(et), EnvStore)
    // Provisioning state, with its secrets under .paved and the key file `paved provision`
    // opens (secretKey: in paved.yaml, else .paved/secret.key). Read-only sessions only plan:
    // they get no secret box, so opening one creates no key file.
    const keyFile = Store.secretKeyFile(yield* Store.project, ".paved")
    const provision = t._tag === "memory"
      ? Layer.empty
      : Layer.mergeAll(
        Store.over(database, ProvisionState),
        Provisioner.layerLocal({ dir: ".paved" }),
        readonly ? Layer.empty : SecretBox.layer({ dir: ".paved", file: keyFile })
      )
    return Layer.mergeAll(Store.over(database, CatalogStore), optional(spans), optional(envs), optional(provision))
  }))

/**
 * The `ui` command.
 *
 * @since 0.1.0
 */
export const ui = Command.make("ui", { paths, db: Store.db, readonly, telemetryDb, envsDb }, ({ db, envsDb, paths, readonly, telemetryDb }) =>
  Effect.gen(function*() {
    if (process.stdout.isTTY !== true || process.stdin.isTTY !== true) {
      return yield* new Output.UsageError({
        summary: `the terminal UI needs an interactive terminal (${process.stdout.isTTY === true ? "stdin" : "stdout"} is not a TTY); ` +
          "for scripts and pipes use paved catalog query --format json"
      })
    }
    const missing = paths.filter((p) => !/[*?[]/.test(p) && !fs.existsSync(p))
    if (missing.length > 0) return yield* new Output.UsageError({ summary: `no such file or directory: ${missing.join(", ")}` })
    if (paths.length > 0 && (Option.isSome(db) || Option.isSome(telemetryDb) || Option.isSome(envsDb))) {
      return yield* new Output.UsageError({ summary: "give either --db (and --telemetry-db, --envs-db) or PATHs, not both (PATHs are browsed in memory)" })
    }
    const layer: Layer.Layer<CatalogStore.CatalogStore, CatalogStore.StoreError | Store.Unusable> = paths.length > 0
      ? fromFiles(paths)
      : storeLayer(db, readonly, { telemetryDb, envsDb })
    // React checks NODE_ENV when it is first loaded; its development build is several times
    // slower per frame. Loading the TUI here also keeps Ink and React out of every other command.
    process.env.NODE_ENV ??= "production"
    const { Tui } = yield* Effect.promise(() => import("@paved/tui"))
    yield* Tui.run(layer, { readonly })
  })
).pipe(Command.withDescription("The terminal UI: browse the catalog (filter with /, facets with f, : for commands, ? for help)"))
