/**
 * The changes the TUI can make, each reporting progress lines as it goes: removing an
 * environment (`Environments.down` with the local provisioner, reaching the PostgreSQL server
 * the environment recorded, or `$PAVED_POSTGRES_URL`, as `paved env down` does).
 */
import * as Environments from "@paved/envs/Environments"
import { EnvStore } from "@paved/envs/EnvStore"
import * as Provisioner from "@paved/provision/Provisioner"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Mutation } from "../state/app.js"

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
    const stored = yield* store.value.get(name)
    const configured = process.env.PAVED_POSTGRES_URL
    const postgres = configured !== undefined && configured !== "" ? configured : stored?.record.provisioner.postgres
    const record = yield* Environments.down(name, {
      onProgress: (p) => Effect.sync(() => report(`[${p.phase}] ${p.subject}: ${p.detail}`))
    }).pipe(
      Effect.provideService(EnvStore, store.value),
      Effect.provide(Provisioner.layerLocal(postgres === undefined ? {} : { postgres }))
    )
    return `removed ${record.name}: ${record.services.length} services, ${record.resources.length} resources`
  })

/** Runs a confirmed change, calling `update` with its progress until it ends. */
export const run = (mutation: Mutation, update: (f: (job: JobState) => JobState) => void): Effect.Effect<void> => {
  const report = (line: string) => update((j) => ({ ...j, lines: [...j.lines, line] }))
  const job = mutation.kind === "env-down" ? envDown(mutation.subject, report) : Effect.fail(new Error(`unknown change ${mutation.kind}`))
  return job.pipe(
    Effect.matchCause({
      onSuccess: (summary) => update((j) => ({ lines: [...j.lines, summary], status: "done" })),
      onFailure: (cause) =>
        update((j) => ({ lines: [...j.lines, `failed: ${describeError(Cause.squash(cause))}`], status: "failed" }))
    })
  )
}
