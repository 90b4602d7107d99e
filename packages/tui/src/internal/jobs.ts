/**
 * The changes the TUI can make, each reporting progress lines as it goes: removing an
 * environment (`Environments.downLocal`, reaching the PostgreSQL server the environment
 * recorded, or `$PAVED_POSTGRES_URL`, as `paved env down` does), bringing one up
 * (`Environments.up`, detached, as `paved env up` does) and applying a provisioning plan.
 */
import { CatalogStore, stream as storedEntities } from "@paved/catalog/CatalogStore"
import type { CatalogEntry } from "@paved/envs/ChangeSet"
import * as Environments from "@paved/envs/Environments"
import { EnvStore } from "@paved/envs/EnvStore"
import * as ServiceRuntime from "@paved/envs/ServiceRuntime"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { Mutation } from "../state/app.js"
import { eventLine, words } from "../state/provisionLines.js"
import * as ProvisionFeed from "./provisionFeed.js"

/** Progress of a job as the job view shows it. */
export interface JobState {
  readonly lines: ReadonlyArray<string>
  readonly status: "running" | "done" | "failed"
}

const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error))

const envDown = (name: string, report: (line: string) => void): Effect.Effect<string, unknown> =>
  Effect.gen(function*() {
    const store = yield* Effect.serviceOption(EnvStore)
    if (Option.isNone(store)) return yield* Effect.fail(new Error("no environment store in this session: open paved ui with --db"))
    const record = yield* Environments.downLocal(name, {
      onProgress: (p) => Effect.sync(() => report(`[${p.phase}] ${p.subject}: ${p.detail}`))
    }).pipe(Effect.provideService(EnvStore, store.value))
    return `removed ${record.name}: ${record.services.length} services, ${record.resources.length} resources`
  })

// Every entity of the catalog store, page by page (the change set planner needs the whole catalog).
const catalogEntries = storedEntities({ orderBy: { field: "ref", direction: "asc" } }, { pageSize: 2000 }).pipe(
  Stream.map((s): CatalogEntry => ({ entity: s.entity, ref: s.ref, file: s.file })),
  Stream.runCollect,
  Effect.map(Chunk.toReadonlyArray)
)

const envUp = (subject: string, report: (line: string) => void): Effect.Effect<string, unknown, CatalogStore> =>
  Effect.gen(function*() {
    // `:up NAME [--runtime local|docker] SERVICE…`
    const all = words(subject)
    const flag = all.indexOf("--runtime")
    const runtime = flag === -1 ? "local" : all[flag + 1] ?? ""
    if (runtime !== "local" && runtime !== "docker") return yield* Effect.fail(new Error(`--runtime is local or docker, not "${runtime}"`))
    const [name = "", ...services] = flag === -1 ? all : [...all.slice(0, flag), ...all.slice(flag + 2)]
    const store = yield* Effect.serviceOption(EnvStore)
    if (Option.isNone(store)) return yield* Effect.fail(new Error("no environment store in this session: open paved ui with --db"))
    const options: Environments.UpOptions = {
      name,
      type: "preview",
      catalog: yield* catalogEntries,
      repositoryRoot: process.cwd(),
      services,
      telemetry: { _tag: "Off" },
      detach: true,
      onProgress: (p) => Effect.sync(() => report(`[${p.phase}] ${p.subject}: ${p.detail}`)),
      ...Environments.postgresOptions()
    }
    const record = yield* Effect.scoped(Environments.up(options)).pipe(
      Effect.provideService(EnvStore, store.value),
      Effect.provide(runtime === "docker" ? ServiceRuntime.layerDocker() : ServiceRuntime.layerLocalProcesses),
      Effect.provide(Environments.localProvisioner())
    )
    const ready = record.services.filter((s) => s.status === "ready").length
    return `up ${record.name}: ${ready}/${record.services.length} services ready, ${record.resources.length} resources`
  })

/** Runs a confirmed change, calling `update` with its progress until it ends. */
export const run = (mutation: Mutation, update: (f: (job: JobState) => JobState) => void): Effect.Effect<void, never, CatalogStore> => {
  const report = (line: string) => update((j) => ({ ...j, lines: [...j.lines, line] }))
  const job: Effect.Effect<string, unknown, CatalogStore> = mutation.kind === "env-down"
    ? envDown(mutation.subject, report)
    : mutation.kind === "env-up"
    ? envUp(mutation.subject, report)
    : ProvisionFeed.apply(mutation.subject, (e) => report(eventLine(e)))
  return job.pipe(
    Effect.matchCause({
      onSuccess: (summary) => update((j) => ({ lines: [...j.lines, summary], status: "done" })),
      onFailure: (cause) =>
        update((j) => ({ lines: [...j.lines, `failed: ${describeError(Cause.squash(cause))}`], status: "failed" }))
    })
  )
}
