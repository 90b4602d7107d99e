/**
 * `paved env up|down|list|diff|reap|logs|manifests`: environments and preview environments for
 * change sets, on local processes (default) or Docker containers (`--runtime docker`).
 *
 * `up` starts the services as detached process groups recorded in the state store (`--db`,
 * `$PAVED_DB_URL`, default `.paved/paved.db`), so they outlive the command; `down` stops them
 * (after checking each pid is still ours) and removes their resources. `up --wait` keeps the
 * environment in the foreground instead and removes it on Ctrl-C. Resources come from the local
 * provisioner (`$PAVED_POSTGRES_URL`, else an embedded PostgreSQL server the environment owns:
 * started under its directory, recorded, and stopped with its data by `down`).
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Catalog } from "@paved/catalog"
import * as Problem from "@paved/catalog/Problem"
import { ChangeSet, Diff, Environment, Environments, EnvStore, Manifests, ServiceRuntime } from "@paved/envs"
import { Receiver, SpanStore } from "@paved/observe"
import * as EnvironmentName from "@paved/provision/EnvironmentName"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as path from "node:path"
import * as Output from "../Output.js"
import { failWithProblems } from "../internal/problemReport.js"
import * as Lists from "../Lists.js"
import * as Progress from "../Progress.js"
import * as Store from "../Store.js"
import { serveS3Command } from "./provision-s3.js"

const format = Output.format
const name = Args.text({ name: "NAME" }).pipe(Args.withDescription(`Environment name: ${EnvironmentName.rule}`))
const catalogPaths = Options.text("catalog").pipe(
  Options.withDescription("Catalog files, directories or globs (repeatable; default: the current directory)"),
  Options.repeated
)
const list = (option: string, description: string) => Options.text(option).pipe(Options.withDescription(description), Options.repeated)

/**
 * The environment store for `--db` (the catalog's database). `paved check` reuses it for
 * `--env-diff`.
 *
 * @since 0.1.0
 */
export const storeLayer = (db: Option.Option<string>): Layer.Layer<EnvStore.EnvStore, Store.Unusable> =>
  // Made private as the state store makes it (.paved 0700, the database 0600).
  Layer.unwrapEffect(Effect.map(Store.target(db), (t) => Store.over(Store.open(t, { tightenExisting: true }), EnvStore)))

// A detached `up` runs the S3 endpoint as a background process (`paved provision serve-s3`),
// so the buckets it hands to services outlive the command; the last `down` stops it.
const stateLayer = (db: Option.Option<string>, s3Process?: ReadonlyArray<string>) =>
  Layer.merge(storeLayer(db), Environments.localProvisioner(undefined, s3Process === undefined ? {} : { s3Process }))

const progressLine = (p: Environments.Progress) => Output.diagnostic(`[${p.phase}] ${p.subject}: ${p.detail}`)

/**
 * `env up`'s progress. On a terminal: one line rewritten in place with the planned resources and
 * services begun of their total and the current step, then a summary with the time taken. Without
 * a terminal: the plain `[phase] subject: detail` lines, as before.
 */
const upProgress = () => {
  const progress = Progress.make("paved env up")
  const planned = new Set<string>()
  const begun = new Set<string>()
  let ready = ""
  return {
    /** The services to run and resources to provision, by ref and key, once planned. */
    expect: (subjects: ReadonlyArray<string>) => {
      for (const s of subjects) planned.add(s)
      progress.total(planned.size)
    },
    onProgress: progress.active
      ? (p: Environments.Progress) =>
        Effect.sync(() => {
          const item = `${p.phase} ${p.subject}: ${p.detail}`
          if (p.phase === "ready") ready = p.detail
          if ((p.phase === "provision" || p.phase === "start") && planned.has(p.subject) && !begun.has(p.subject)) {
            begun.add(p.subject)
            progress.step(item)
          } else progress.show(item)
        })
      : progressLine,
    done: () => progress.done(ready.length > 0 ? ready : `${begun.size} of ${planned.size} services and resources started`),
    failed: () => progress.done(`stopped by an error after starting ${begun.size} of ${planned.size} services and resources`)
  }
}

// Lists: repeated flags, commas, whitespace and - for standard input (see Lists.split).
const splitAll = (values: ReadonlyArray<string>) => Lists.split(values)

const loadCatalog = (paths: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const result = yield* Catalog.load(paths.length === 0 ? ["."] : paths)
    const errors = result.problems.filter((p) => p.severity === "error")
    for (const p of errors) yield* Output.diagnostic(Problem.format(p))
    return result.entities
  })

const repositoryRoot = (option: Option.Option<string>) =>
  Option.match(option, {
    onSome: (dir) => Effect.succeed(path.resolve(dir)),
    onNone: () => ChangeSet.repositoryRoot(process.cwd()).pipe(Effect.orElseSucceed(() => process.cwd()))
  })

const pairs = (values: ReadonlyArray<string>, what: string) => {
  const parsed = Environments.parseShare(values)
  return Option.isNone(parsed) ? Effect.fail(new Output.UsageError({ summary: `${what}: write KEY=VALUE` })) : Effect.succeed(parsed.value)
}

const upOptions = {
  type: Options.choice("type", ["development", "preview", "staging", "production"]).pipe(Options.withDefault("preview" as const)),
  services: list("services", "Services to run (refs or names; repeatable or comma-separated)"),
  changedFiles: list("changed-files", "Changed files, relative to the repository root (repeatable or comma-separated)"),
  gitRange: Options.text("git-range").pipe(Options.withDescription("A git range base..head; its changed files form the change set"), Options.optional),
  dependents: Options.choice("dependents", ["none", "direct", "transitive"]).pipe(Options.withDefault("direct" as const)),
  share: list("share", "Take a dependency from a base environment instead of running it: REF=ENV (repeatable)"),
  set: list("set", "Config overlay for every service: KEY=VALUE (repeatable)"),
  ttl: Options.text("ttl").pipe(Options.withDescription("Time to live, e.g. 24h (previews past it are removed by `paved env reap`)"), Options.optional),
  owner: Options.text("owner").pipe(Options.withDescription("Owner recorded on the environment, e.g. group:default/web"), Options.optional),
  repo: Options.text("repo").pipe(Options.withDescription("Repository root for change sets (default: git's top level)"), Options.optional),
  otelEndpoint: Options.text("otel-endpoint").pipe(Options.withDescription("Send telemetry to this OTLP/HTTP endpoint instead of a receiver per environment"), Options.optional),
  noTelemetry: Options.boolean("no-telemetry").pipe(Options.withDescription("Do not configure OpenTelemetry in the services")),
  readyTimeout: Options.integer("ready-timeout").pipe(Options.withDefault(30), Options.withDescription("Seconds each service has to pass its readiness probe")),
  wait: Options.boolean("wait").pipe(Options.withDescription("Stay in the foreground; Ctrl-C removes the environment")),
  runtime: Options.choice("runtime", ["local", "docker"]).pipe(
    Options.withDefault("local" as const),
    Options.withDescription("Where services run: local processes (their command), or docker (containers from their Score image)")
  ),
  planOnly: Options.boolean("plan").pipe(Options.withDescription("Only print the plan: what runs, what is shared, what is provisioned")),
  catalog: catalogPaths,
  db: Store.db,
  format
}

const up = Command.make("up", { name, ...upOptions }, (o) =>
  Effect.gen(function*() {
    const badName = EnvironmentName.validate(o.name)
    if (badName !== undefined) return yield* new Output.UsageError({ summary: badName })
    const catalog = yield* loadCatalog(o.catalog)
    const root = yield* repositoryRoot(o.repo)
    const share = yield* pairs(o.share, "--share")
    const overlays = yield* pairs(o.set, "--set")
    const ttl = Option.isSome(o.ttl) ? Environment.parseTtl(o.ttl.value) : Either.right(undefined)
    if (Either.isLeft(ttl)) return yield* ttl.left
    const changedFiles = splitAll(o.changedFiles)
    const target = yield* Store.target(o.db)
    const dbFile = target._tag === "sqlite" ? path.resolve(target.filename) : undefined
    const reporter = upProgress()
    const telemetry: Environments.Telemetry = o.noTelemetry
      ? { _tag: "Off" }
      : Option.isSome(o.otelEndpoint)
      ? { _tag: "Shared", endpoint: o.otelEndpoint.value }
      : o.wait || dbFile === undefined
      ? { _tag: "Off" }
      : { _tag: "Process", command: [process.execPath, process.argv[1]!, "observe", "serve", "--port", "{port}", "--db", dbFile], spanStore: dbFile }
    const options: Environments.UpOptions = {
      name: o.name,
      type: o.type,
      catalog,
      repositoryRoot: root,
      services: splitAll(o.services),
      ...(changedFiles.length > 0 ? { changedFiles } : {}),
      ...(Option.isSome(o.gitRange) ? { gitRange: o.gitRange.value } : {}),
      dependents: o.dependents,
      share,
      overlays,
      ...(ttl.right === undefined ? {} : { ttl: ttl.right }),
      ...(Option.isSome(o.owner) ? { owner: o.owner.value } : {}),
      telemetry,
      readyTimeout: `${o.readyTimeout} seconds`,
      detach: !o.wait,
      onProgress: reporter.onProgress,
      // The configured server, or an embedded one the environment owns (stopped by `down`).
      ...Environments.postgresOptions()
    }
    const planned = yield* Environments.plan(options).pipe(
      // Files with problems (a workload that does not decode) fail the check (exit 1) and list
      // every problem, as paved provision plan does; other unusable inputs are usage errors
      // (InvalidSpec, in Output.exitCodes).
      Effect.catchIf(
        (e): e is Environment.InvalidSpec & { readonly problems: ReadonlyArray<Problem.Problem> } =>
          e instanceof Environment.InvalidSpec && e.problems !== undefined && e.problems.length > 0,
        (e) => failWithProblems(e.problems, o.format, "in the environment's inputs")
      )
    )
    if (o.planOnly) {
      const summary = Environments.planSummary(planned)
      if (o.format === "json") return yield* Output.printJson(summary)
      return yield* Output.printTable([
        ...summary.run.map((s) => ({ what: "run", subject: s.ref, detail: s.reason })),
        ...summary.shared.map((s) => ({ what: "shared", subject: s.ref, detail: `from ${s.from}` })),
        ...summary.resources.map((r) => ({ what: "provision", subject: r.key, detail: `${r.type}/${r.class} ${r.name}` }))
      ], [{ header: "what", cell: (r) => r.what }, { header: "subject", cell: (r) => r.subject }, { header: "detail", cell: (r) => r.detail }])
    }
    reporter.expect([...planned.runSet.run.map((s) => s.ref), ...planned.resources.map((r) => r.desired.request.key)])
    const run = Effect.gen(function*() {
      const spans = yield* SpanStore.SpanStore
      const withTelemetry: Environments.UpOptions = o.wait && !o.noTelemetry && Option.isNone(o.otelEndpoint)
        ? { ...options, telemetry: { _tag: "InProcess", serve: Receiver.serve({ port: 0, store: spans }) } }
        : options
      const record = yield* Environments.up(withTelemetry).pipe(Effect.tapErrorCause(() => Effect.sync(reporter.failed)))
      reporter.done()
      if (o.format === "json") yield* Output.printJson(record)
      else yield* Output.printTable(record.services, [
        { header: "service", cell: (s) => s.ref },
        { header: "status", cell: (s) => (s.mode === "shared" ? `shared from ${s.sharedFrom}` : s.status) },
        { header: "url", cell: (s) => s.url },
        { header: "log", cell: (s) => s.logFile }
      ])
      if (o.wait) {
        yield* Output.diagnostic(`environment ${o.name} is up; Ctrl-C removes it`)
        return yield* Effect.never
      }
    })
    const spanLayer = dbFile === undefined ? SpanStore.layerMemory : SpanStore.layerSqlite({ filename: dbFile })
    const runtime = o.runtime === "docker" ? ServiceRuntime.layerDocker() : ServiceRuntime.layerLocalProcesses
    yield* Effect.scoped(run).pipe(Effect.provide(Layer.mergeAll(stateLayer(o.db, o.wait ? undefined : serveS3Command()), spanLayer, runtime)))
  })
).pipe(Command.withDescription("Bring an environment up: plan, provision, start services in dependency order, wait for readiness"))

const downOne = (name: string) => Environments.downLocal(name, { onProgress: progressLine })

const down = Command.make("down", { name, db: Store.db, format, yes: Output.yes }, ({ db, format, name, yes }) =>
  // Asked before the store is opened, so a refusal changes nothing, not even a file.
  Output.confirm(`Remove environment ${name} with its processes, resources and files?`, yes).pipe(Effect.zipRight(downOne(name).pipe(
    Effect.tap((record) =>
      format === "json"
        ? Output.printJson({ removed: record.name, services: record.services.length, resources: record.resources.length })
        : Console.log(`removed ${record.name}: ${record.services.length} services, ${record.resources.length} resources`)),
    Effect.provide(storeLayer(db))
  )))).pipe(Command.withDescription("Remove an environment completely: processes, resources, files and its record"))

const age = (ms: number) => ms < 3_600_000 ? `${Math.round(ms / 60_000)}m` : ms < 86_400_000 ? `${Math.round(ms / 3_600_000)}h` : `${Math.round(ms / 86_400_000)}d`

const listCommand = Command.make("list", { db: Store.db, format }, ({ db, format }) =>
  Effect.gen(function*() {
    const listed = yield* Environments.list
    if (format === "json") {
      return yield* Output.printJson(listed.map((l) => ({
        name: l.record.name,
        type: l.record.type,
        status: l.record.status,
        health: l.health,
        owner: l.record.owner,
        ageMs: l.ageMs,
        ttlMs: l.ttlMs,
        services: l.services
      })))
    }
    yield* Output.printTable(listed, [
      { header: "name", cell: (l) => l.record.name },
      { header: "type", cell: (l) => l.record.type },
      { header: "status", cell: (l) => l.record.status },
      { header: "health", cell: (l) => l.health },
      { header: "age", cell: (l) => age(l.ageMs) },
      { header: "ttl", cell: (l) => (l.ttlMs === undefined ? "" : l.ttlMs <= 0 ? "expired" : age(l.ttlMs)) },
      { header: "urls", cell: (l) => l.services.map((s) => `${s.ref.split("/").pop()}=${s.url ?? "-"}`).join(" ") }
    ], "no environments")
  }).pipe(Effect.provide(storeLayer(db)))
).pipe(Command.withDescription("Every environment with status, health, age, TTL and URLs"))

const diff = Command.make("diff", {
  a: Args.text({ name: "A" }),
  b: Args.text({ name: "B" }),
  all: Options.boolean("all").pipe(Options.withDescription("Show rows that agree too")),
  db: Store.db,
  format
}, ({ a, all, b, db, format }) =>
  Effect.gen(function*() {
    const report = Diff.compare(yield* Environments.get(a), yield* Environments.get(b))
    if (format === "json") yield* Output.printJson(report)
    else yield* Output.printTable(report.rows.filter((r) => all || !r.same), [
      { header: "aspect", cell: (r) => r.aspect },
      { header: "subject", cell: (r) => r.subject },
      { header: a, cell: (r) => r.a ?? "(absent)" },
      { header: b, cell: (r) => r.b ?? "(absent)" },
      { header: "same", cell: (r) => (r.same ? "yes" : "NO") }
    ], `${a} and ${b} agree`)
    if (report.differences > 0) return yield* new Output.CheckFailed({ summary: `${report.differences} differences between ${a} and ${b}` })
  }).pipe(Effect.provide(storeLayer(db)))
).pipe(Command.withDescription("Compare two environments: services, versions, resource classes, config keys, telemetry (exit 1 on drift)"))

const reap = Command.make("reap", { db: Store.db, format }, ({ db, format }) =>
  Effect.gen(function*() {
    const records = (yield* (yield* EnvStore.EnvStore).list).map((s) => s.record)
    const names = Environments.expired(records, Date.now())
    yield* Effect.forEach(names, downOne, { discard: true })
    // What killed runs left in Docker under an instance no record has (found by label).
    const leftovers = yield* Environments.reapLeftovers({ onProgress: progressLine })
    return { names, leftovers }
  }).pipe(
    Effect.tap(({ leftovers, names }) =>
      format === "json"
        ? Output.printJson({ reaped: names, leftovers })
        : Console.log(
          (names.length === 0 ? "nothing expired" : `reaped ${names.join(", ")}`) +
            (leftovers.length === 0 ? "" : `; removed Docker leftovers of ${leftovers.length} unrecorded runs`)
        )),
    Effect.provide(storeLayer(db))
  )).pipe(Command.withDescription("Remove preview environments whose TTL has run out, and what killed runs left in Docker"))

const logs = Command.make("logs", {
  name,
  service: Args.text({ name: "SERVICE" }).pipe(Args.withDescription("Service name or ref")),
  lines: Options.integer("lines").pipe(Options.withDefault(100)),
  follow: Options.boolean("follow").pipe(Options.withAlias("f")),
  db: Store.db,
  format
}, ({ db, follow, format, lines, name, service }) =>
  Environments.logs(name, service, { lines, follow }).pipe(
    // --format json: one document with the lines; with --follow, one JSON object per line.
    (stream) => format === "json" && !follow
      ? Effect.flatMap(Stream.runCollect(stream), (all) => Output.printJson({ env: name, service, lines: Array.from(all) }))
      : Stream.runForEach(stream, (line) => format === "json" ? Console.log(JSON.stringify({ env: name, service, line })) : Console.log(line)),
    Effect.provide(storeLayer(db))
  )).pipe(Command.withDescription("Print (and with --follow, tail) a service's output"))

const manifests = Command.make("manifests", {
  name,
  services: list("services", "Services to render when NAME is not a recorded environment"),
  type: Options.choice("type", ["development", "preview", "staging", "production"]).pipe(Options.optional),
  otelEndpoint: Options.text("otel-endpoint").pipe(Options.optional),
  catalog: catalogPaths,
  db: Store.db,
  format
}, (o) =>
  Effect.gen(function*() {
    const store = yield* EnvStore.EnvStore
    const recorded = yield* store.get(o.name)
    const services = recorded === undefined ? splitAll(o.services) : recorded.record.services.filter((s) => s.mode === "run").map((s) => s.ref)
    const share = recorded === undefined ? {} : Object.fromEntries(recorded.record.services.filter((s) => s.mode === "shared").map((s) => [s.ref, s.sharedFrom ?? ""]))
    // `paved env manifests staging` is the staging type unless told otherwise.
    const named = (["development", "preview", "staging", "production"] as const).find((t) => t === o.name)
    const type = Option.getOrElse(o.type, () => recorded?.record.type ?? named ?? "preview")
    const catalog = yield* loadCatalog(o.catalog)
    const planned = yield* Environments.plan({ name: o.name, type, catalog, services, share })
    const objects = Manifests.render(planned, {
      name: o.name,
      type,
      ...(Option.isSome(o.otelEndpoint) ? { otelEndpoint: o.otelEndpoint.value } : {})
    })
    if (o.format === "json") yield* Output.printJson(objects)
    else yield* Effect.sync(() => process.stdout.write(Manifests.toYaml(objects)))
  }).pipe(Effect.provide(storeLayer(o.db)))
).pipe(Command.withDescription("Render an environment as Kubernetes manifests (YAML; --format json for objects)"))

/**
 * The `env` command group.
 *
 * @since 0.1.0
 */
export const env = Command.make("env").pipe(
  Command.withDescription("Environments and preview environments for change sets"),
  Command.withSubcommands([up, down, listCommand, diff, reap, logs, manifests])
)
