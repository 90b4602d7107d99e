/**
 * `paved portal build [--out DIR] [--db URL] [PATH...]` writes the catalog as a static site
 * (publish the folder anywhere: GitHub Pages, a bucket); `paved portal serve [--port N]
 * [--db URL]` serves the same pages on 127.0.0.1 and re-renders them when the store changes.
 * Both read the catalog store at `--db` (or catalog files given as PATHs), and scorecard
 * history, telemetry and environments from the same database when it has them.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { CatalogView, ScoreStore } from "@paved/catalog"
import * as CatalogStore from "@paved/catalog/CatalogStore"
import * as EnvStore from "@paved/envs/EnvStore"
import { TemplateRegistry } from "@paved/golden"
import * as SpanStore from "@paved/observe/SpanStore"
import type { Portal as PortalModule } from "@paved/portal"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as fs from "node:fs"
import * as Output from "../Output.js"
import * as Store from "../Store.js"
import { fromFiles, optional } from "../internal/storeLayers.js"
import * as Inputs from "../internal/scoreInputs.js"

const paths = Args.text({ name: "PATH" }).pipe(
  Args.withDescription("Catalog files, directories or globs to render (loaded into memory; default: the catalog store at --db)"),
  Args.repeated
)
const previous = Options.text("previous").pipe(
  Options.withDescription("The catalog as it was before (files, directories or globs), to recognise removed and renamed owner groups"),
  Options.repeated
)

// Scores, spans and environments live in the same database as the catalog. They are optional:
// when a store cannot be opened, its sections say so and the catalog pages still render.

const storesLayer = (
  db: Option.Option<string>,
  inputs: ReadonlyArray<string>
) =>
  Layer.unwrapEffect(Effect.map(Store.target(db), (t) => {
    // One database (one SQLite connection, one PostgreSQL pool) for every store; made private
    // as the environment store makes it.
    const database = Store.open(t, { tightenExisting: true })
    // With PATHs the catalog comes from the files; the other stores only from an explicit --db.
    const others: Layer.Layer<never> = inputs.length > 0 && Option.isNone(db)
      ? Layer.empty
      : Layer.mergeAll(optional(Store.over(database, ScoreStore)), optional(Store.over(database, SpanStore)), optional(Store.over(database, EnvStore)))
    const catalog = inputs.length === 0 ? Store.over(database, CatalogStore) : fromFiles(inputs)
    return Layer.mergeAll(catalog, others, optional(TemplateRegistry.layerBuiltin))
  }))

const collectOptions = (args: {
  readonly db: Option.Option<string>
  readonly paths: ReadonlyArray<string>
  readonly previous: ReadonlyArray<string>
  readonly scorecard: Option.Option<string>
}) =>
  Effect.gen(function*() {
    const missing = args.paths.filter((p) => !/[*?[]/.test(p) && !fs.existsSync(p))
    if (missing.length > 0) return yield* new Output.UsageError({ summary: `no such file or directory: ${missing.join(", ")}` })
    const before = args.previous.length === 0 ? undefined : yield* Inputs.loadView(args.previous)
    // Groups the store's history saw deleted or renamed; a group still present is never consulted.
    const gone = args.paths.length === 0 ? yield* Inputs.departures(args.db, CatalogView.empty) : []
    const scorecard = yield* Inputs.loadScorecard(args.scorecard)
    return { previous: before, departures: gone, scorecard }
  })

// React's development build renders several times slower; the portal only ever needs the
// production one, so it is chosen before React is first loaded (imported here, lazily).
const loadPortal: Effect.Effect<typeof PortalModule> = Effect.promise(() => {
  process.env.NODE_ENV ??= "production"
  return import("@paved/portal").then((m) => m.Portal)
})


const build = Command.make("build", {
  paths,
  db: Store.db,
  out: Options.directory("out").pipe(Options.withDefault("portal"), Options.withDescription("Where to write the site (default: ./portal)")),
  previous,
  scorecard: Inputs.scorecardFile,
  format: Output.format
}, (args) =>
  Effect.gen(function*() {
    const options = yield* collectOptions(args)
    const Portal = yield* loadPortal
    const report = yield* Portal.build({ ...options, out: args.out }).pipe(Effect.provide(storesLayer(args.db, args.paths)))
    if (args.format === "json") return yield* Output.printJson(report)
    yield* Effect.sync(() =>
      process.stdout.write(
        `Wrote ${report.pages} pages for ${report.entities} entities to ${report.out} in ${(report.durationMs / 1000).toFixed(1)} s.\n` +
          `Open ${report.out}/index.html, or publish the folder as a static site.\n`
      )
    )
  })
).pipe(Command.withDescription("Write the catalog as a static site (catalog, entity, team, scorecard and change pages)"))

const serve = Command.make("serve", {
  paths,
  db: Store.db,
  port: Options.integer("port").pipe(Options.withDefault(7070), Options.withDescription("Port on 127.0.0.1 (default 7070; 0 picks a free one)")),
  previous,
  scorecard: Inputs.scorecardFile,
  format: Output.format
}, (args) =>
  Effect.gen(function*() {
    if (args.port < 0 || args.port > 65535) return yield* new Output.UsageError({ summary: `--port ${args.port} is not a port; give 0-65535` })
    const options = yield* collectOptions(args)
    const Portal = yield* loadPortal
    yield* Effect.scoped(Effect.gen(function*() {
      const server = yield* Portal.serve({ ...options, port: args.port })
      if (args.format === "json") yield* Output.printJson({ url: server.url, port: server.port })
      else yield* Effect.sync(() => process.stdout.write(`The portal is at ${server.url} (Ctrl-C to stop)\n`))
      return yield* Effect.never
    })).pipe(Effect.provide(storesLayer(args.db, args.paths)))
  })
).pipe(Command.withDescription("Serve the portal live on 127.0.0.1, re-rendered when the catalog store changes"))

/**
 * The `portal` command group.
 *
 * @since 0.1.0
 */
export const portal = Command.make("portal").pipe(
  Command.withDescription("The catalog as web pages: build a static site, or serve it live"),
  Command.withSubcommands([build, serve])
)
