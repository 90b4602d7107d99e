/**
 * Environments and preview environments for change sets: plan, `up`, `down`, `list`, `reap` and
 * `logs`, over the `ServiceRuntime` in context (local processes when none is given; `down`, `list`
 * and `logs` use the runtime an environment was recorded with).
 *
 * `up` works in the caller's `Scope`. Everything it creates — the state row, the environment's
 * directory, the telemetry receiver, the provisioned resources, every service process group — is
 * acquired with `acquireRelease`, so a failure or an interruption unwinds it all. With
 * `detach: true` (the default) a successful `up` keeps everything when the scope closes and the
 * services outlive the process; `down` removes them from the record. With `detach: false` the
 * environment lives exactly as long as the scope (the foreground `paved env up --wait`).
 *
 * @since 0.1.0
 */
import * as Provisioner from "@paved/provision/Provisioner"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import type { EnvironmentRecord } from "./Environment.js"
import { EnvironmentConflict, EnvironmentError, InvalidSpec } from "./Environment.js"
import { EnvStore } from "./EnvStore.js"
import * as Lifecycle from "./internal/lifecycle.js"
import * as Planning from "./internal/plan.js"
import * as ServiceRuntime from "./ServiceRuntime.js"
import type * as TelemetryRuntime from "./internal/telemetry.js"

/**
 * A line of progress during `up` and `down`.
 *
 * @since 0.1.0
 */
export type Progress = Lifecycle.Progress

/**
 * Where services send telemetry: `Off`, `Shared` (an OTLP endpoint you run), `InProcess` (a
 * receiver for the scope's lifetime, e.g. `Receiver.serve({ port: 0, store })` from
 * `@paved/observe`) or `Process` (a receiver process per environment that outlives a detached
 * `up`, e.g. `paved observe serve --port {port} --db {dir}/telemetry.db`).
 *
 * @since 0.1.0
 */
export type Telemetry = TelemetryRuntime.Telemetry

/**
 * Options of {@link up}: the environment (name, type, owner, TTL, overlays), what to run (the
 * catalog plus services and/or a change set), telemetry, and runtime settings.
 *
 * @since 0.1.0
 */
export type UpOptions = Lifecycle.UpOptions

/**
 * What {@link plan} decides: the run set (what runs and why, what is shared, the start order),
 * the services' workloads, and the resources to provision.
 *
 * @since 0.1.0
 */
export type Plan = Planning.Planned

/**
 * Plans an environment without creating anything.
 *
 * @since 0.1.0
 */
export const plan = (options: UpOptions): Effect.Effect<Plan, InvalidSpec> => Planning.plan({ ...options, type: options.type ?? "preview" })

/**
 * A plan as plain data, for JSON output and tables.
 *
 * @since 0.1.0
 */
export const planSummary = (planned: Plan) => ({
  changed: planned.changed,
  unmatchedFiles: planned.unmatchedFiles,
  run: planned.runSet.run,
  shared: planned.runSet.shared,
  skipped: planned.runSet.skipped,
  layers: planned.runSet.layers,
  resources: planned.resources.map((r) => ({
    key: r.desired.request.key,
    type: r.desired.request.type,
    class: r.desired.settings.class,
    name: r.desired.name,
    users: r.users
  }))
})

/**
 * Brings an environment up: plan → provision → start services in dependency order (parallel
 * within a layer) → readiness probes → recorded as ready. Any failure unwinds everything this
 * run created.
 *
 * @since 0.1.0
 */
export const up = Lifecycle.up

/**
 * {@link up} with its progress as a `Stream` (for a terminal UI): the stream ends when `up` ends,
 * and `result` gives its outcome. Runs in the caller's scope like `up`.
 *
 * @since 0.1.0
 */
export const upWithProgress = (options: UpOptions) =>
  Effect.gen(function*() {
    const queue = yield* Queue.unbounded<Progress>()
    const fiber = yield* Effect.forkScoped(Lifecycle.up({
      ...options,
      onProgress: (p) => Queue.offer(queue, p).pipe(Effect.zipRight(options.onProgress?.(p) ?? Effect.void))
    }).pipe(Effect.ensuring(Queue.shutdown(queue))))
    return { progress: Stream.fromQueue(queue), result: Fiber.join(fiber) }
  })

/**
 * Removes an environment completely: stops its process groups (after checking each pid still
 * belongs to the environment), removes its resources, its directory and its record.
 *
 * @since 0.1.0
 */
export const down = Lifecycle.down

/**
 * Removes the preview environments whose TTL has run out, and returns their names.
 *
 * @since 0.1.0
 */
export const reap = (options: { readonly now?: number; readonly onProgress?: (progress: Progress) => Effect.Effect<void> } = {}): Effect.Effect<
  ReadonlyArray<string>,
  EnvironmentConflict | EnvironmentError,
  EnvStore | Provisioner.Provisioner
> =>
  Effect.gen(function*() {
    const store = yield* EnvStore
    const now = options.now ?? Date.now()
    const names = expired((yield* store.list).map((s) => s.record), now)
    yield* Effect.forEach(names, (name) => down(name, { onProgress: options.onProgress }), { discard: true })
    return names
  })

/**
 * What crashed or killed runs left in Docker: containers, networks and volumes labelled with an
 * environment instance that no recorded environment has (an `up` killed before its record was
 * written, a record removed by hand). Removes them and returns the instances. Nothing to do (and
 * no failure) when Docker is not reachable.
 *
 * @since 0.2.0
 */
export const reapLeftovers = (options: { readonly onProgress?: (progress: Progress) => Effect.Effect<void> } = {}): Effect.Effect<
  ReadonlyArray<string>,
  EnvironmentError,
  EnvStore
> =>
  Effect.gen(function*() {
    const recorded = new Set((yield* (yield* EnvStore).list).map((s) => s.instance))
    const docker = yield* ServiceRuntime.makeDocker()
    const owned = yield* docker.owned(undefined).pipe(Effect.orElseSucceed(() => []))
    const stray = new Map<string, string>()
    for (const o of owned) if (o.instance !== "" && !recorded.has(o.instance)) stray.set(o.instance, o.environment)
    yield* Effect.forEach(stray, ([instance, environment]) =>
      (options.onProgress ?? (() => Effect.void))({ phase: "remove", subject: environment, detail: `removing Docker objects of unrecorded instance ${instance}` }).pipe(
        Effect.zipRight(docker.remove(instance, undefined))
      ), { discard: true })
    return [...stray.keys()]
  })

/**
 * The names of the preview environments whose TTL has run out at `now`.
 *
 * @since 0.1.0
 */
export const expired = (records: ReadonlyArray<EnvironmentRecord>, now: number): ReadonlyArray<string> =>
  records.filter((r) => r.type === "preview" && r.expiresAt !== undefined && r.expiresAt <= now).map((r) => r.name)

/**
 * The health of a service: `healthy` when its process is alive (and still ours) and its port
 * answers, `down` otherwise; shared services report `shared`.
 *
 * @since 0.1.0
 */
export type Health = "healthy" | "degraded" | "down" | "shared"

/**
 * An environment as `list` shows it.
 *
 * @since 0.1.0
 */
export interface Listed {
  readonly record: EnvironmentRecord
  readonly health: Health
  readonly services: ReadonlyArray<{ readonly ref: string; readonly health: Health; readonly url: string | undefined }>
  readonly ageMs: number
  readonly ttlMs: number | undefined
}

/**
 * Every recorded environment with its status, health, age, remaining TTL and URLs.
 *
 * @since 0.1.0
 */
export const list: Effect.Effect<ReadonlyArray<Listed>, EnvironmentError, EnvStore> = Effect.gen(function*() {
  const store = yield* EnvStore
  const now = Date.now()
  return yield* Effect.forEach(yield* store.list, ({ instance, record }) =>
    Effect.gen(function*() {
      const runtime = yield* ServiceRuntime.forRecord(record).pipe(Effect.option)
      const services = yield* Effect.forEach(record.services, (s) =>
        Effect.gen(function*() {
          if (s.mode === "shared") return { ref: s.ref, health: "shared" as Health, url: s.url }
          const answers = runtime._tag === "Some" && (yield* runtime.value.health(s, instance))
          return { ref: s.ref, health: (answers ? "healthy" : "down") as Health, url: s.url }
        }), { concurrency: "unbounded" })
      const running = services.filter((s) => s.health !== "shared")
      const healthy = running.filter((s) => s.health === "healthy").length
      const health: Health = running.length === 0 || healthy === running.length ? "healthy" : healthy === 0 ? "down" : "degraded"
      return {
        record,
        health,
        services,
        ageMs: now - record.createdAt,
        ttlMs: record.expiresAt === undefined ? undefined : record.expiresAt - now
      }
    }), { concurrency: 4 })
})

/**
 * The recorded state of one environment.
 *
 * @since 0.1.0
 */
export const get = (name: string): Effect.Effect<EnvironmentRecord, EnvironmentConflict | EnvironmentError, EnvStore> =>
  Effect.gen(function*() {
    const stored = yield* (yield* EnvStore).get(name)
    if (stored === undefined) return yield* new EnvironmentConflict({ name, reason: "missing" })
    return stored.record
  })

/**
 * The output of a service (its log file, or its container's output): the last `lines`
 * lines, then — with `follow` — new lines as they are written.
 *
 * @since 0.1.0
 */
export const logs = (
  name: string,
  service: string,
  options: { readonly lines?: number; readonly follow?: boolean } = {}
): Stream.Stream<string, EnvironmentConflict | EnvironmentError | InvalidSpec, EnvStore> =>
  Stream.unwrap(Effect.gen(function*() {
    const record = yield* get(name)
    const target = record.services.find((s) => s.ref === service || s.name === service)
    if (target === undefined || target.mode !== "run") {
      return yield* new InvalidSpec({
        reason: `environment "${name}" runs no service "${service}"; it runs ${record.services.filter((s) => s.mode === "run").map((s) => s.name).join(", ") || "nothing"}`
      })
    }
    const runtime = yield* ServiceRuntime.forRecord(record)
    return runtime.logs(record, target, { lines: options.lines ?? 100, follow: options.follow === true })
  }))

/**
 * Parses `--share ref=environment` pairs.
 *
 * @since 0.1.0
 */
export const parseShare = (pairs: ReadonlyArray<string>): Option.Option<Record<string, string>> => {
  const share: Record<string, string> = {}
  for (const pair of pairs) {
    const eq = pair.lastIndexOf("=")
    if (eq <= 0 || eq === pair.length - 1) return Option.none()
    share[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  return Option.some(share)
}

/**
 * The PostgreSQL server an environment's databases live on: `$PAVED_POSTGRES_URL` when it is
 * set, else the server the environment recorded when it came up (so `down` from a fresh shell
 * reaches the same server), else none: the environment owns an embedded server.
 *
 * @since 0.2.0
 */
export const postgresServer = (record?: EnvironmentRecord): string | undefined => {
  const configured = process.env["PAVED_POSTGRES_URL"]
  return configured !== undefined && configured !== "" ? configured : record?.provisioner["postgres"]
}

/**
 * What `up` is told about PostgreSQL: with a configured server, the server to record (its URL
 * without the password, never a secret in the record); with none, an embedded server owned by
 * the environment, which lives as long as it does, detached or not (`down` stops it and removes
 * its data). Spread it into {@link UpOptions}.
 *
 * @since 0.2.0
 */
export const postgresOptions = (): Pick<UpOptions, "embeddedPostgres" | "provisionerSettings"> => {
  const server = postgresServer()
  if (server === undefined) return { embeddedPostgres: true }
  const recorded = withoutPassword(server)
  return { provisionerSettings: recorded === undefined ? {} : { postgres: recorded } }
}

/**
 * The local provisioner an environment's `up` or `down` uses: on {@link postgresServer}'s
 * server, with the S3 endpoint as a background process (`s3Process`, the command that runs it)
 * when the buckets it hands to services must outlive the command.
 *
 * @since 0.2.0
 */
export const localProvisioner = (
  record?: EnvironmentRecord,
  options: { readonly s3Process?: ReadonlyArray<string> } = {}
): Layer.Layer<Provisioner.Provisioner> => {
  const postgres = postgresServer(record)
  return Provisioner.layerLocal({
    ...(postgres === undefined ? {} : { postgres }),
    ...(options.s3Process === undefined ? {} : { s3Process: options.s3Process })
  })
}

/**
 * Removes an environment completely with the local provisioner it came up with
 * ({@link localProvisioner} of its record, so its databases are dropped on the server it
 * recorded), as `paved env down`, `paved env reap` and the TUI's `:down` do. Fails with
 * `EnvironmentConflict` when no environment has that name.
 *
 * @since 0.2.0
 */
export const downLocal = (
  name: string,
  options: { readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined } = {}
): Effect.Effect<EnvironmentRecord, EnvironmentConflict | EnvironmentError, EnvStore> =>
  Effect.flatMap(get(name), (recorded) => down(name, options).pipe(Effect.provide(localProvisioner(recorded))))

const withoutPassword = (url: string): string | undefined => {
  try {
    const parsed = new URL(url)
    parsed.password = ""
    return parsed.toString()
  } catch {
    return undefined
  }
}
