/**
 * `paved demo`: the end-to-end demonstration on the embedded defaults. It validates and ingests
 * the example organisation's catalog, scores it and checks ownership, checks golden-path
 * currency, brings up a preview environment for a cross-service change set (embedded Postgres,
 * local processes, an embedded OTLP receiver), drives real traffic through it, reads RED, the
 * service map and dependency drift from the traces, and tears everything down. Everything it
 * writes stays under `.paved/demo/`.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { CatalogStore, CatalogView } from "@paved/catalog"
import * as Catalog from "@paved/catalog/Catalog"
import { Environments, EnvStore, Processes, ServiceRuntime } from "@paved/envs"
import { TemplateRegistry } from "@paved/golden"
import { Receiver, SpanStore } from "@paved/observe"
import * as Provisioner from "@paved/provision/Provisioner"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as path from "node:path"
import type { DemoReport, StepTiming } from "../internal/demo/report.js"
import * as DemoDocker from "../internal/demo/docker.js"
import * as DemoPortal from "../internal/demo/portal.js"
import * as Render from "../internal/demo/render.js"
import * as Steps from "../internal/demo/steps.js"
import * as Traffic from "../internal/demo/traffic.js"
import * as Output from "../Output.js"

/** The change set the demo previews: a pull request touching two services. */
const CHANGED_FILES = ["services/storefront/server.mjs", "services/orders-api/server.mjs"]

const findCatalog = (explicit: string | undefined): Effect.Effect<string, Output.UsageError> =>
  Effect.suspend(() => {
    if (explicit !== undefined) {
      const dir = path.resolve(explicit)
      return fs.existsSync(path.join(dir, "catalog-info.yaml"))
        ? Effect.succeed(dir)
        : Effect.fail(new Output.UsageError({ summary: `${dir} has no catalog-info.yaml; point --catalog at the demo organisation` }))
    }
    // From the repository (or any folder below it), the demo organisation is examples/demo-org.
    for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, "examples", "demo-org")
      if (fs.existsSync(path.join(candidate, "catalog-info.yaml"))) return Effect.succeed(candidate)
      if (path.dirname(dir) === dir) break
    }
    return Effect.fail(new Output.UsageError({ summary: "cannot find examples/demo-org; run paved demo from the Paved repository, or pass --catalog DIR" }))
  })

/** Waits until every running service has sent spans and the span count has stopped growing. */
const awaitSpans = (store: SpanStore.Service, from: Date, expected: number) =>
  Effect.gen(function*() {
    let last = -1
    for (let i = 0; i < 50; i++) {
      const services = yield* store.services({ from })
      const spans = services.reduce((n, s) => n + s.spans, 0)
      if (services.length >= expected && spans === last) return
      last = spans
      yield* Effect.sleep(Duration.millis(300))
    }
  })

/**
 * The `paved ui` command line that opens the demo's stores: the catalog, and beside it the
 * spans (`telemetry.db`) and the environments (`envs.db`) the demo keeps in stores of their own.
 *
 * @since 0.1.0
 */
export const uiCommand = (stateDir: string): string => {
  const rel = (file: string) => path.relative(process.cwd(), path.join(stateDir, file))
  return `npx paved ui --db ${rel("catalog.db")} --telemetry-db ${rel("telemetry.db")} --envs-db ${rel("envs.db")}`
}

/**
 * The `demo` command.
 *
 * @since 0.1.0
 */
export const demo = Command.make("demo", {
  format: Output.format,
  keep: Options.boolean("keep").pipe(Options.withDescription("Leave the preview environment running until Ctrl-C, to explore it with paved ui and the live portal")),
  catalog: Options.directory("catalog").pipe(Options.withDescription("The demo organisation (default: examples/demo-org of this repository)"), Options.optional),
  requests: Options.integer("requests").pipe(Options.withDefault(60), Options.withDescription("How many requests the traffic burst sends")),
  runtime: Options.choice("runtime", ["local", "docker"]).pipe(
    Options.withDefault("local" as const),
    Options.withDescription("Run the services as local processes (default) or as Docker containers from the image their Score files name (built offline when missing)")
  )
}, (o) =>
  Effect.gen(function*() {
    const started = Date.now()
    const timings: Array<StepTiming> = []
    const step = <A, E, R>(index: number, title: string, effect: Effect.Effect<A, E, R>) =>
      Effect.gen(function*() {
        yield* Output.diagnostic(`==> [${index}/7] ${title}`)
        const t0 = Date.now()
        const result = yield* effect
        timings.push({ step: title, ms: Date.now() - t0 })
        return result
      })

    const demoDir = yield* findCatalog(o.catalog._tag === "Some" ? o.catalog.value : undefined)
    const stateDir = path.resolve(".paved", "demo")
    // Each run starts clean; the folder is the demo's own and nothing else lives there.
    fs.rmSync(stateDir, { recursive: true, force: true })
    fs.mkdirSync(stateDir, { recursive: true })
    const catalogDb = path.join(stateDir, "catalog.db")

    const catalog = yield* step(1, "Validate and ingest the catalog", Steps.catalogStep(demoDir).pipe(
      Effect.provide(CatalogStore.layerSqlite({ filename: catalogDb }))
    ))
    const entities = catalog.loaded.entities.map((e) => e.entity)
    yield* Output.diagnostic(`    ${catalog.section.entities} entities, ${catalog.section.errors} errors, ${catalog.section.warnings} warnings`)

    const previous = yield* Catalog.load([path.join(demoDir, "history", "before-reorg", "org.yaml")])
    const scored = yield* step(2, "Scorecards and ownership health", Steps.scoreStep(entities, previous.entities.map((e) => e.entity)))
    const previousView = CatalogView.fromEntities(previous.entities.map((e) => e.entity))
    const golden = yield* step(3, "Golden-path currency", Steps.goldenStep(entities).pipe(Effect.provide(TemplateRegistry.layerBuiltin)))

    const upOptions: Environments.UpOptions = {
      name: "demo",
      type: "preview",
      catalog: catalog.loaded.entities,
      repositoryRoot: demoDir,
      changedFiles: CHANGED_FILES,
      ttl: "1 hour",
      owner: "group:default/platform",
      directory: path.join(stateDir, "env"),
      readyTimeout: "60 seconds",
      detach: false,
      onProgress: (p) => Output.diagnostic(`    [${p.phase}] ${p.subject}: ${p.detail}`)
    }
    const planned = yield* Environments.plan(upOptions)
    // On Docker: the images the Score files name, and the services' npm dependencies bound
    // read-only into each container (the image is a plain Node.js image, as node:20-slim is).
    const runtimeLayer = o.runtime === "docker"
      ? ServiceRuntime.layerDocker({ mounts: yield* DemoDocker.dependencyMounts(demoDir) })
      : ServiceRuntime.layerLocalProcesses
    if (o.runtime === "docker") yield* DemoDocker.ensureImages(planned)

    const assemble = (parts: {
      readonly record: Environments.Listed["record"]
      readonly burst: Traffic.Burst
      readonly telemetry: Effect.Effect.Success<ReturnType<typeof Steps.telemetryStep>>
      readonly teardown: DemoReport["teardown"]
    }): DemoReport => ({
      catalog: catalog.section,
      scorecards: scored.scorecards,
      ownership: scored.ownership,
      golden: golden.rows,
      environment: {
        name: parts.record.name,
        type: parts.record.type,
        ...Steps.environmentPlan(planned),
        services: parts.record.services.map((s) => ({ ref: s.ref, url: s.url })),
        telemetry: parts.record.telemetry.endpoint
      },
      traffic: parts.burst,
      telemetry: parts.telemetry.section,
      teardown: parts.teardown,
      findings: [...catalog.findings, ...scored.findings, ...golden.findings, ...parts.telemetry.findings],
      timings,
      durationMs: Date.now() - started
    })
    const print = (report: DemoReport) =>
      o.format === "json" ? Output.printJson(report) : Effect.sync(() => process.stdout.write(Render.human(report) + "\n"))

    const live = Effect.gen(function*() {
      const spans = yield* SpanStore.SpanStore
      const record = yield* step(4, "Provision and start a preview environment for the change set", Environments.up({
        ...upOptions,
        telemetry: { _tag: "InProcess", serve: Receiver.serve({ port: 0, store: spans }) }
      }))
      const storefront = record.services.find((s) => s.name === "storefront" && s.url !== undefined)
      if (storefront?.url === undefined) return yield* new Output.UsageError({ summary: "the preview environment has no storefront URL" })
      const trafficFrom = new Date()
      const burst = yield* step(5, `Drive ${o.requests} requests through the storefront`, Traffic.burst(storefront.url, o.requests))
      const running = record.services.filter((s) => s.mode === "run").length
      const telemetry = yield* step(6, "Read traces: RED, service map, dependency drift", awaitSpans(spans, trafficFrom, running).pipe(
        Effect.zipRight(Steps.telemetryStep(spans, entities, trafficFrom))
      ))
      if (o.keep) {
        yield* print(assemble({ record, burst, telemetry, teardown: { processesLeft: 0, portsLeft: 0, kept: true } }))
        const portalUrl = yield* DemoPortal.servePortal(stateDir, previousView)
        yield* Output.diagnostic(
          `\nThe preview environment is up:\n${record.services.map((s) => `  ${s.name.padEnd(12)} ${s.url ?? ""}`).join("\n")}\n` +
            `The portal of the demo (catalog, owners, scorecards, traces) is at ${portalUrl}\n` +
            `Explore the catalog, the environment and its traces in another terminal with:\n  ${uiCommand(stateDir)}\n` +
            "Press Ctrl-C to tear it down."
        )
        yield* Effect.never
      }
      return { record, burst, telemetry }
    }).pipe(Effect.scoped)

    const { burst, record, telemetry } = yield* live.pipe(
      Effect.provide(Layer.mergeAll(
        SpanStore.layerSqlite({ filename: path.join(stateDir, "telemetry.db") }),
        EnvStore.layerSqlite({ filename: path.join(stateDir, "envs.db") }),
        Provisioner.layerLocal({ dir: stateDir, postgres: "embedded" }),
        runtimeLayer
      ))
    )

    const teardown = yield* step(7, "Tear down and check that nothing is left", Effect.gen(function*() {
      const pids = record.services.flatMap((s) => (s.mode === "run" && s.pid !== undefined ? [s.pid] : []))
      const ports = record.services.flatMap((s) => (s.mode === "run" && s.port !== undefined ? [s.port] : []))
      const openPorts = yield* Effect.forEach(ports, (port) => Processes.portOpen(port), { concurrency: "unbounded" })
      const docker = o.runtime === "docker" ? { docker: yield* DemoDocker.leftovers(record.name) } : {}
      return { processesLeft: pids.filter(Processes.alive).length, portsLeft: openPorts.filter(Boolean).length, kept: false, ...docker }
    }))

    yield* print(assemble({ record, burst, telemetry, teardown }))
    const portalIndex = yield* DemoPortal.buildPortal(stateDir, previousView)
    yield* Output.diagnostic(`\nThe portal of the demo: ${path.relative(process.cwd(), portalIndex)} (open it in a browser; paved demo --keep serves it live)`)
    if (teardown.processesLeft + teardown.portsLeft > 0) {
      return yield* new Output.CheckFailed({ summary: `teardown left ${teardown.processesLeft} processes and ${teardown.portsLeft} ports behind` })
    }
    const containers = teardown.docker
    if (containers !== undefined && containers.containers + containers.networks + containers.volumes > 0) {
      return yield* new Output.CheckFailed({
        summary: `teardown left ${containers.containers} containers, ${containers.networks} networks and ${containers.volumes} volumes labelled dev.paved.environment=${record.name}; remove them with paved env reap`
      })
    }
  })
).pipe(Command.withDescription("The end-to-end demonstration on the embedded defaults: catalog, scorecards, a preview environment, traffic, traces, drift"))
