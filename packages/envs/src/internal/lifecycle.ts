/**
 * `up` and `down`: the lifecycle of an environment. Everything `up` creates is acquired in the
 * caller's scope, so a failure (or an interruption) unwinds it all: processes, resources, files
 * and the state row. On success a detached environment keeps everything and records it; `down`
 * then removes it from the record.
 */
import type { Entity } from "@paved/catalog"
import * as Observe from "@paved/observe/Observe"
import type * as ProvisionerNs from "@paved/provision/Provisioner"
import * as EmbeddedPostgres from "@paved/provision/EmbeddedPostgres"
import type * as Placeholder from "@paved/provision/Placeholder"
import * as Provisioner from "@paved/provision/Provisioner"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { randomBytes, randomUUID } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import type { EnvironmentRecord, ResourceRecord, ServiceFailed, ServiceRecord } from "../Environment.js"
import { EnvironmentConflict, EnvironmentError, InvalidSpec, ServiceFailed as ServiceFailedError } from "../Environment.js"
import { EnvStore } from "../EnvStore.js"
import type { Planned, PlanInput } from "./plan.js"
import { plan } from "./plan.js"
import * as Processes from "../Processes.js"
import * as ServiceRuntime from "../ServiceRuntime.js"
import type { Endpoint } from "./start.js"
import { plainOutputs, provisionProgress, resolveVariables } from "./start.js"
import type { Telemetry } from "./telemetry.js"
import type { ServiceSpec } from "./workload.js"
import * as TelemetryRuntime from "./telemetry.js"

/** A line of progress: the phase, what it is about, and what happened. */
export interface Progress {
  readonly phase: "plan" | "provision" | "start" | "ready" | "unwind" | "stop" | "remove"
  readonly subject: string
  readonly detail: string
}

/** Options of `up`. */
export interface UpOptions extends Omit<PlanInput, "type"> {
  readonly type?: PlanInput["type"] | undefined
  readonly owner?: string | undefined
  readonly ttl?: Duration.DurationInput | undefined
  readonly overlays?: Readonly<Record<string, string>> | undefined
  readonly telemetry?: Telemetry | undefined
  /** The OTLP protocol services are told to use (`OTEL_EXPORTER_OTLP_PROTOCOL`); default `http/protobuf`. */
  readonly otelProtocol?: Observe.Protocol | undefined
  readonly directory?: string | undefined
  readonly readyTimeout?: Duration.DurationInput | undefined
  readonly detach?: boolean | undefined
  readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
  /** Provisioner settings to record for `down` (never secrets), e.g. the PostgreSQL server URL without password. */
  readonly provisionerSettings?: Readonly<Record<string, string>> | undefined
  /**
   * Give the environment its own embedded PostgreSQL server for its `postgres` resources (when no
   * server is configured): started detached under the environment's directory (copied from the
   * template, default `.paved/postgres/template`), recorded with its pid and start time, and
   * stopped with its data by `down`. The databases go with the server.
   */
  readonly embeddedPostgres?: boolean | { readonly templateDir?: string | undefined } | undefined
}

/** The directory an environment keeps its logs and files in by default. */
export const defaultDirectory = (name: string): string => path.resolve(".paved", "envs", name)

const instanceOf = (environment: string, r: ResourceRecord): ProvisionerNs.Instance => ({
  env: environment,
  key: r.key,
  type: r.type,
  name: r.physicalName,
  settings: r.settings as unknown as ProvisionerNs.Instance["settings"],
  tags: r.tags,
  params: r.params,
  // Removal needs only the physical name; the password is never recorded in clear.
  password: Redacted.make(randomBytes(18).toString("base64url"))
})

const removeDirectory = (directory: string) =>
  Effect.sync(() => fs.rmSync(directory, { recursive: true, force: true }))

const sharedEndpoints = (planned: Planned) =>
  Effect.gen(function*() {
    const store = yield* EnvStore
    const endpoints = new Map<string, Endpoint>()
    const records: Array<ServiceRecord> = []
    for (const { from, ref } of planned.runSet.shared) {
      const base = yield* store.get(from)
      const service = base?.record.services.find((s) => s.ref === ref && s.mode === "run" && s.url !== undefined)
      if (service === undefined || service.url === undefined || service.port === undefined) {
        return yield* new InvalidSpec({ reason: `${ref} is to be shared from environment "${from}", but "${from}" does not run it; start it there or run it in this environment` })
      }
      endpoints.set(service.name, { url: service.url, host: "127.0.0.1", port: service.port })
      records.push({ ...service, mode: "shared", sharedFrom: from, status: "shared", command: [], configKeys: service.configKeys, config: {} })
    }
    return { endpoints, records }
  })

/**
 * Brings an environment up in the current scope (see the module comment). The work runs in a
 * child scope that is closed with the failure as soon as `up` fails or is interrupted, so a
 * caller that ignores the failure (and closes its own scope successfully) still leaves nothing.
 */
export const up = (
  options: UpOptions
): Effect.Effect<
  EnvironmentRecord,
  InvalidSpec | EnvironmentConflict | ServiceFailed | EnvironmentError,
  Scope.Scope | EnvStore | ProvisionerNs.Provisioner
> =>
  Effect.gen(function*() {
    const child = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    return yield* upIn(options).pipe(
      Scope.extend(child),
      Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : Scope.close(child, exit))
    )
  })

const upIn = (
  options: UpOptions
): Effect.Effect<
  EnvironmentRecord,
  InvalidSpec | EnvironmentConflict | ServiceFailed | EnvironmentError,
  Scope.Scope | EnvStore | ProvisionerNs.Provisioner
> =>
  Effect.gen(function*() {
    const store = yield* EnvStore
    const provisioner = yield* Provisioner.Provisioner
    const name = options.name
    const type = options.type ?? "preview"
    const detach = options.detach ?? true
    const keep = (exit: Exit.Exit<unknown, unknown>) => detach && Exit.isSuccess(exit)
    const report = options.onProgress ?? (() => Effect.void)
    const progress = (phase: Progress["phase"]) => (detail: string, subject: string) => report({ phase, subject, detail })
    const planned = yield* plan({ ...options, type })
    for (const s of planned.runSet.run) yield* progress("plan")(`run (${s.reason})`, s.ref)
    for (const s of planned.runSet.shared) yield* progress("plan")(`shared from ${s.from}`, s.ref)
    for (const r of planned.resources) yield* progress("plan")(`provision ${r.desired.request.type} ${r.desired.name}`, r.desired.request.key)
    for (const r of planned.resources) {
      if (!provisioner.supports(r.desired.request.type)) {
        return yield* new InvalidSpec({ reason: `resource ${r.desired.request.key} has type "${r.desired.request.type}", which the ${provisioner.backend} provisioner does not support` })
      }
    }
    const shared = yield* sharedEndpoints(planned)
    const runtime = yield* Effect.serviceOption(ServiceRuntime.ServiceRuntime).pipe(
      Effect.flatMap((o) => o._tag === "Some" ? Effect.succeed(o.value) : ServiceRuntime.makeLocalProcesses)
    )
    const instance = randomUUID()
    const directory = path.resolve(options.directory ?? defaultDirectory(name))
    const now = Date.now()
    const needsPostgres = planned.resources.some((r) => r.desired.request.type === "postgres")
    const embedded = options.embeddedPostgres === undefined || options.embeddedPostgres === false || !needsPostgres
      ? undefined
      : {
        dataDir: path.join(directory, "postgres", "data"),
        templateDir: path.resolve(
          (typeof options.embeddedPostgres === "object" ? options.embeddedPostgres.templateDir : undefined) ?? path.join(".paved", "postgres", "template")
        )
      }
    const resources: Array<ResourceRecord> = planned.resources.map((r) => ({
      key: r.desired.request.key,
      type: r.desired.request.type,
      class: r.desired.settings.class,
      physicalName: r.desired.name,
      settings: { ...r.desired.settings },
      tags: r.desired.tags,
      params: r.desired.request.params,
      users: r.users,
      outputs: {}
    }))
    let record: EnvironmentRecord = {
      name,
      type,
      ...(options.owner === undefined ? {} : { owner: options.owner }),
      status: "provisioning",
      createdAt: now,
      ...(options.ttl === undefined ? {} : { expiresAt: now + Duration.toMillis(options.ttl) }),
      directory,
      overlays: options.overlays ?? {},
      changed: planned.changed,
      provisioner: options.provisionerSettings ?? {},
      telemetry: { mode: "off" },
      runtime: runtime.kind,
      ...(embedded === undefined ? {} : { embeddedPostgres: { dataDir: embedded.dataDir } }),
      services: shared.records,
      resources
    }
    // The row is claimed first (recording the resources about to be created), so a run killed
    // half-way leaves a record `down` can clean up from.
    yield* Effect.acquireRelease(store.claim({ instance, record }), (_, exit) =>
      keep(exit) ? Effect.void : store.remove(name).pipe(Effect.ignore))
    yield* Effect.acquireRelease(
      Effect.try({
        try: () => fs.mkdirSync(directory, { recursive: true }),
        catch: (e) => new EnvironmentError({ environment: name, operation: `creating ${directory}`, reason: String(e) })
      }),
      (_, exit) => keep(exit) ? Effect.void : removeDirectory(directory)
    )
    // Anything still carrying this instance's marker is stopped last, whatever forked it.
    yield* Effect.addFinalizer((exit) =>
      keep(exit) ? Effect.void : report({ phase: "unwind", subject: name, detail: "stopping every process of this run" }).pipe(
        Effect.zipRight(Processes.stopInstance(instance).pipe(Effect.timeout(Duration.seconds(10)), Effect.ignore))
      )
    )
    // Everything the runtime must check or prepare comes before anything starts: a missing image
    // fails here, naming the workload, with nothing provisioned.
    const session = yield* runtime.open({ environment: name, instance, directory, services: planned.services, keep, progress: progress("start") })
    const telemetry = yield* TelemetryRuntime.start(options.telemetry ?? { _tag: "Off" }, { environment: name, instance, directory, keep })
    record = { ...record, telemetry }
    let postgresProvisioner: ProvisionerNs.Service | undefined
    if (embedded !== undefined) {
      yield* progress("provision")(`starting an embedded PostgreSQL server for this environment in ${embedded.dataDir}`, name)
      const server = yield* Effect.acquireRelease(
        EmbeddedPostgres.launch({
          dataDir: embedded.dataDir,
          templateDir: embedded.templateDir,
          detached: true,
          env: { [Processes.INSTANCE_VARIABLE]: instance, PAVED_ENVIRONMENT: name }
        }).pipe(Effect.mapError((e) => new EnvironmentError({ environment: name, operation: "starting the embedded PostgreSQL server", reason: e.message }))),
        (_, exit) => keep(exit) ? Effect.void : EmbeddedPostgres.stopDataDir(embedded.dataDir).pipe(Effect.timeout(Duration.seconds(15)), Effect.ignore)
      )
      record = {
        ...record,
        embeddedPostgres: {
          dataDir: embedded.dataDir,
          pid: server.pid,
          port: server.port,
          ...(server.startTime === undefined ? {} : { startTime: server.startTime })
        }
      }
      yield* store.save({ instance, record })
      const built = yield* Layer.build(Provisioner.layerLocal({ dir: path.join(directory, "provision"), postgres: server.url }))
      postgresProvisioner = Context.get(built, Provisioner.Provisioner)
    }
    const provisionerOf = (type: string) => type === "postgres" && postgresProvisioner !== undefined ? postgresProvisioner : provisioner
    const outputs = new Map<string, Record<string, Placeholder.Outputs>>()
    const provisioned = yield* Effect.forEach(planned.resources, (r, i) => {
      const provisioner = provisionerOf(r.desired.request.type)
      const inst = instanceOf(name, resources[i]!)
      const withPassword = { ...inst, password: Redacted.make(randomBytes(18).toString("base64url")) }
      return Effect.acquireRelease(
        progress("provision")(`creating ${r.desired.name}`, r.desired.request.key).pipe(
          Effect.zipRight(provisioner.ensure(withPassword, provisionProgress(progress("provision"), r.desired.request.key))),
          // A failed ensure may have created part of the resource (a role without its database):
          // no release is registered for it, so remove what there is now.
          Effect.onError(() => provisioner.remove(inst, () => Effect.void).pipe(Effect.timeout(Duration.seconds(30)), Effect.ignore)),
          Effect.mapError((e) => new EnvironmentError({ environment: name, operation: `provisioning ${r.desired.request.key}`, reason: e.message }))
        ),
        (_, exit) =>
          keep(exit) ? Effect.void : report({ phase: "unwind", subject: r.desired.request.key, detail: `removing ${r.desired.name}` }).pipe(
            Effect.zipRight(provisioner.remove(inst, provisionProgress(progress("unwind"), r.desired.request.key))),
            Effect.timeout(Duration.seconds(30)),
            Effect.ignore
          )
      )
    }, { concurrency: 5 })
    // Addresses on this machine (resource servers, the telemetry receiver, shared services) as
    // the runtime's services reach them: unchanged for local processes, through the network's
    // gateway for containers.
    const hostValues = [
      ...provisioned.flatMap((o) => Object.values(o).map((v) => Redacted.isRedacted(v) ? Redacted.value(v) : v)),
      ...(telemetry.endpoint === undefined ? [] : [telemetry.endpoint]),
      ...[...shared.endpoints.values()].map((e) => e.url)
    ]
    const reach = yield* session.reach(hostValues)
    const reachable = (o: Placeholder.Outputs): Placeholder.Outputs =>
      Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Redacted.isRedacted(v) ? Redacted.make(reach(Redacted.value(v))) : reach(v)]))
    planned.resources.forEach((r, i) => {
      for (const user of r.users) {
        outputs.set(user.ref, { ...(outputs.get(user.ref) ?? {}), [user.resource]: reachable(provisioned[i]!) })
      }
    })
    const telemetryReached = telemetry.endpoint === undefined ? telemetry : { ...telemetry, endpoint: reach(telemetry.endpoint) }
    record = {
      ...record,
      status: "starting",
      resources: resources.map((r, i) => ({ ...r, outputs: plainOutputs(r.type, provisioned[i]!) }))
    }
    yield* store.save({ instance, record })
    const endpoints = new Map<string, Endpoint>()
    for (const [service, e] of shared.endpoints) {
      const url = new URL(reach(e.url))
      endpoints.set(service, { url: reach(e.url), host: url.hostname, port: e.port })
    }
    const started: Array<ServiceRecord> = []
    const readyTimeout = Duration.decode(options.readyTimeout ?? Duration.seconds(30))
    // A runtime that knows its services' endpoints before they start (containers: their names on
    // the environment's network) lets every service be prepared at once, while the services it
    // depends on are still starting; only running it waits for them.
    const ahead = session.endpointOf !== undefined && session.prepare !== undefined
    if (session.endpointOf !== undefined) {
      for (const service of planned.services) {
        const e = session.endpointOf(service)
        if (e !== undefined) endpoints.set(service.name, e)
      }
    }
    const requestOf = (service: ServiceSpec) => {
      const { problems, secrets, values } = resolveVariables(service, { environment: name, overlays: options.overlays ?? {}, outputs, endpoints })
      if (problems.length > 0) {
        return Effect.fail(new ServiceFailedError({ environment: name, ref: service.ref, reason: `unresolved placeholders: ${problems.join("; ")}` }))
      }
      const otel = otelVariables(service, name, telemetryReached, options.otelProtocol)
      return Effect.succeed({ service, variables: { ...otel, ...values }, secrets, readyTimeout })
    }
    const byRef = new Map(planned.services.map((s) => [s.ref, s]))
    const ready = new Map<string, Deferred.Deferred<void>>()
    for (const service of planned.services) ready.set(service.ref, yield* Deferred.make<void>())
    const waits = startAfter(planned)
    // Each service starts as soon as what it waits for is ready (not when its whole layer is).
    yield* Effect.forEach(planned.runSet.layers.flat(), (ref) =>
      Effect.gen(function*() {
        const service = byRef.get(ref)!
        const dependencies = Effect.forEach(waits.get(ref) ?? [], (d) => Deferred.await(ready.get(d)!), { discard: true })
        let result: ServiceRuntime.Started
        if (ahead) {
          const run = yield* Effect.flatMap(requestOf(service), session.prepare!)
          yield* dependencies
          result = yield* run
        } else {
          yield* dependencies
          result = yield* Effect.flatMap(requestOf(service), session.start)
        }
        if (result.endpoint !== undefined) endpoints.set(result.record.name, result.endpoint)
        started.push(result.record)
        yield* Deferred.succeed(ready.get(ref)!, undefined)
      }), { concurrency: "unbounded", discard: true })
    record = { ...record, status: "ready", services: [...started, ...shared.records].sort((a, b) => a.ref.localeCompare(b.ref)) }
    yield* store.save({ instance, record })
    yield* progress("ready")(`${started.length} services ready, ${shared.records.length} shared, ${resources.length} resources`, name)
    return record
  })

/**
 * What each service waits for before it starts: the services it depends on, and any service of an
 * earlier layer it reaches through a networking resource (whose endpoint it needs). Only earlier
 * layers, so the waits stay acyclic.
 */
const startAfter = (planned: Pick<Planned, "runSet" | "services">): ReadonlyMap<string, ReadonlyArray<string>> => {
  const layerOf = new Map(planned.runSet.layers.flatMap((layer, i) => layer.map((ref) => [ref, i] as const)))
  const refOfName = new Map(planned.services.map((s) => [s.name, s.ref]))
  const waits = new Map<string, ReadonlyArray<string>>()
  for (const s of planned.runSet.run) {
    const service = planned.services.find((x) => x.ref === s.ref)
    const reached = Object.values(service?.resolved ?? {}).flatMap((r) => {
      const ref = r.target === undefined ? undefined : refOfName.get(r.target)
      return ref !== undefined && layerOf.get(ref)! < layerOf.get(s.ref)! ? [ref] : []
    })
    waits.set(s.ref, [...new Set([...s.dependsOn, ...reached])].sort())
  }
  return waits
}

const otelVariables = (
  service: ServiceSpec,
  environment: string,
  telemetry: EnvironmentRecord["telemetry"],
  protocol: Observe.Protocol | undefined
): Readonly<Record<string, string>> =>
  telemetry.endpoint === undefined ? {} : Observe.otelEnvironment(service.entry.entity as Entity.Entity, {
    endpoint: telemetry.endpoint,
    environment,
    ...(protocol === undefined ? {} : { protocol }),
    ...(service.version === undefined ? {} : { serviceVersion: service.version })
  })

/** Removes an environment completely: processes (verified as ours), resources, files, record. */
export const down = (
  name: string,
  options: { readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined } = {}
): Effect.Effect<EnvironmentRecord, EnvironmentConflict | EnvironmentError, EnvStore | ProvisionerNs.Provisioner> =>
  Effect.gen(function*() {
    const store = yield* EnvStore
    const provisioner = yield* Provisioner.Provisioner
    const report = options.onProgress ?? (() => Effect.void)
    const stored = yield* store.get(name)
    if (stored === undefined) return yield* new EnvironmentConflict({ name, reason: "missing" })
    const { instance, record } = stored
    yield* store.save({ instance, record: { ...record, status: "stopping" } })
    const runtime = yield* ServiceRuntime.forRecord(record)
    yield* report({ phase: "stop", subject: name, detail: `removing what the ${runtime.kind} runtime runs for it` })
    yield* runtime.remove(instance, record)
    if (record.telemetry.pid !== undefined) {
      yield* report({ phase: "stop", subject: "telemetry", detail: `stopping process group ${record.telemetry.pid}` })
      yield* Processes.stopGroup({ pgid: record.telemetry.pid, startTime: record.telemetry.startTime, instance })
    }
    if (record.embeddedPostgres !== undefined) {
      yield* report({ phase: "stop", subject: "postgres", detail: `stopping the embedded PostgreSQL server of ${record.embeddedPostgres.dataDir}` })
      yield* EmbeddedPostgres.stopDataDir(record.embeddedPostgres.dataDir)
    }
    // Everything else carrying this instance's marker (forwarders, what services forked, a server
    // a killed `up` never recorded).
    yield* Processes.stopInstance(instance)
    const failures: Array<string> = []
    // The databases of an environment's own server go with its data directory.
    const removable = record.embeddedPostgres === undefined ? record.resources : record.resources.filter((r) => r.type !== "postgres")
    yield* Effect.forEach(removable, (r) =>
      report({ phase: "remove", subject: r.key, detail: `removing ${r.type} ${r.physicalName}` }).pipe(
        Effect.zipRight(provisioner.remove(instanceOf(name, r), (message) => report({ phase: "remove", subject: r.key, detail: message }))),
        Effect.timeout(Duration.seconds(60)),
        Effect.catchAll((e) => Effect.sync(() => failures.push(`${r.key}: ${e.message}`)))
      ), { concurrency: 5, discard: true })
    if (failures.length > 0) {
      yield* store.save({ instance, record: { ...record, status: "failed" } })
      return yield* new EnvironmentError({ environment: name, operation: "down", reason: `could not remove ${failures.join("; ")}; run down again once fixed` })
    }
    yield* removeDirectory(record.directory)
    yield* store.remove(name)
    return record
  })
