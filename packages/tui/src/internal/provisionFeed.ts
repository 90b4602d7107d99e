/**
 * Provisioning from the TUI: the requests of Score files, their plan against the recorded state
 * (`Provision.plan`), and the apply with its progress events (`Provision.apply`). The provision
 * services (state store, provisioner, secret box) come from the runtime when it has them, as
 * `paved ui` wires `Provision.layerLocal` over the same store; without them the view says so.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import type { Entity } from "@paved/catalog"
import type { Plan } from "@paved/provision/Plan"
import * as Problem from "@paved/provision/Problem"
import * as Provision from "@paved/provision/Provision"
import { Provisioner } from "@paved/provision/Provisioner"
import * as Request from "@paved/provision/Request"
import { SecretBox } from "@paved/provision/SecretBox"
import { StateStore } from "@paved/provision/StateStore"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as fs from "node:fs"
import * as path from "node:path"
import { words } from "../state/provisionLines.js"

const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error))

const problemsText = (e: Problem.ProblemsFound): string => e.problems.map(Problem.format).join("; ")

/** The target of a provision subject (`ENV FILE...`): its Score files' requests. */
export const target = (subject: string): Effect.Effect<Provision.Target, Error> =>
  Effect.gen(function*() {
    const [env = "", ...files] = words(subject)
    const resolved = files.map((file) => path.resolve(file))
    const { requests, problems } = yield* Request.fromScoreFiles(resolved).pipe(
      Effect.mapError((e) => new Error(`cannot read ${files[resolved.indexOf(e.file)] ?? e.file}: ${describeError(e.cause)}`)),
      Effect.provide(NodeFileSystem.layer)
    )
    if (problems.length > 0) return yield* Effect.fail(new Error(problems.map(Problem.format).join("; ")))
    return { env, envType: "development" as const, requests }
  })

const services = Effect.all({
  state: Effect.serviceOption(StateStore),
  provisioner: Effect.serviceOption(Provisioner),
  secrets: Effect.serviceOption(SecretBox)
})

const MISSING = "no provisioning state in this session: open paved ui over a store (--db or .paved/paved.db)"

/** The plan of a provision subject; `None` when the session has no provision services. */
export const plan = (subject: string): Effect.Effect<Option.Option<Plan>, Error> =>
  Effect.gen(function*() {
    const s = yield* services
    if (Option.isNone(s.state) || Option.isNone(s.provisioner)) return Option.none()
    const t = yield* target(subject)
    const p = yield* Provision.plan(t).pipe(
      Effect.provideService(StateStore, s.state.value),
      Effect.provideService(Provisioner, s.provisioner.value),
      Effect.mapError((e) => new Error(e._tag === "ProblemsFound" ? problemsText(e) : describeError(e)))
    )
    return Option.some(p)
  })

/** Applies the plan of a provision subject, reporting each progress event; returns a summary. */
export const apply = (subject: string, onEvent: (event: Provision.Event) => void): Effect.Effect<string, Error> =>
  Effect.gen(function*() {
    const s = yield* services
    if (Option.isNone(s.state) || Option.isNone(s.provisioner) || Option.isNone(s.secrets)) return yield* Effect.fail(new Error(MISSING))
    const t = yield* target(subject)
    const result = yield* Provision.apply(t, { onEvent: (e) => Effect.sync(() => onEvent(e)) }).pipe(
      Effect.provideService(StateStore, s.state.value),
      Effect.provideService(Provisioner, s.provisioner.value),
      Effect.provideService(SecretBox, s.secrets.value),
      Effect.mapError((e) => new Error(e._tag === "ProblemsFound" ? problemsText(e) : e.message))
    )
    const changed = result.plan.changes.filter((c) => c.action !== "no-op").length
    return `applied ${changed} change(s) to ${t.env}; ${Object.keys(result.outputs).length} resource(s) ready`
  })

/** A component's Score workload file (`Request.workloadFileOf`), if it exists. */
export const workloadOf = (entity: Entity.Entity, catalogFile: string): string | undefined => {
  if (catalogFile.length === 0) return undefined
  const file = Request.workloadFileOf(entity, catalogFile)
  return fs.existsSync(file) ? file : undefined
}

/** Why the provision view has nothing to show without the services. */
export const missing = MISSING
