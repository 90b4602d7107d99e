/**
 * The high-level API: plan, apply (journaled, idempotent, bounded concurrency, retries with
 * backoff, progress events), destroy, drift and outputs for an environment, and placeholder
 * resolution for the workloads that use the outputs.
 *
 * @since 0.1.0
 */
import type { SqlError } from "@effect/sql/SqlError"
import * as Database from "@paved/catalog/Database"
import type { ConfigError } from "effect/ConfigError"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Apply from "./internal/apply.js"
import type { Outputs, Unresolved } from "./Placeholder.js"
import * as Placeholder from "./Placeholder.js"
import type { Plan } from "./Plan.js"
import * as PlanModule from "./Plan.js"
import type { ProblemsFound } from "./Problem.js"
import type { Provisioner } from "./Provisioner.js"
import * as ProvisionerModule from "./Provisioner.js"
import * as Request from "./Request.js"
import type { ResourceRequest } from "./Request.js"
import * as SecretBox from "./SecretBox.js"
import type { EnvType, Standards } from "./Standards.js"
import * as StateStore from "./StateStore.js"
import type { Workload } from "./Workload.js"

/**
 * Builds a request with the typed API.
 *
 * @since 0.1.0
 */
export const request = Request.make

/**
 * What to provision for an environment.
 *
 * @since 0.1.0
 */
export interface Target {
  readonly env: string
  readonly envType: EnvType
  readonly requests: ReadonlyArray<ResourceRequest>
  readonly standards?: Standards
}

/**
 * A progress event of an apply or destroy.
 *
 * @since 0.1.0
 */
export type Event =
  | { readonly _tag: "Planned"; readonly plan: Plan }
  | { readonly _tag: "StepStarted"; readonly resource: string; readonly action: PlanModule.Action }
  | { readonly _tag: "StepProgress"; readonly resource: string; readonly message: string }
  | { readonly _tag: "StepRetrying"; readonly resource: string; readonly attempt: number; readonly error: string }
  | { readonly _tag: "StepCompleted"; readonly resource: string; readonly action: PlanModule.Action }
  | { readonly _tag: "StepFailed"; readonly resource: string; readonly action: PlanModule.Action; readonly error: string }

/**
 * Options of apply and destroy.
 *
 * @since 0.1.0
 */
export interface ApplyOptions {
  /** Steps run at once. Default 4. */
  readonly concurrency?: number
  /** Attempts per step on transient errors, with exponential backoff from 200 ms. Default 5. */
  readonly attempts?: number
  /** How long one attempt may take before it counts as a transient failure. Default 30 minutes. */
  readonly stepTimeout?: Duration.DurationInput
  readonly onEvent?: (event: Event) => Effect.Effect<void>
}

/**
 * Some steps failed; the others completed and are recorded. Applying again retries the failed
 * ones only.
 *
 * @since 0.1.0
 */
export class ApplyFailed extends Data.TaggedError("ApplyFailed")<{
  readonly env: string
  readonly failures: ReadonlyArray<{ readonly resource: string; readonly action: string; readonly error: string }>
}> {
  override get message(): string {
    return `${this.failures.length} step(s) failed in "${this.env}":\n` +
      this.failures.map((f) => `  ${f.action} ${f.resource}: ${f.error}`).join("\n")
  }
}

/**
 * What an apply did.
 *
 * @since 0.1.0
 */
export interface ApplyResult {
  readonly plan: Plan
  readonly outputs: Readonly<Record<string, Outputs>>
}

/**
 * The services the API needs.
 *
 * @since 0.1.0
 */
export type Requirements = StateStore.StateStore | Provisioner | SecretBox.SecretBox

/**
 * Plans an environment against its recorded state, with the provisioner deciding which types
 * are supported.
 *
 * @since 0.1.0
 */
export const plan = (target: Target): Effect.Effect<Plan, ProblemsFound | SqlError, StateStore.StateStore | Provisioner> =>
  Effect.gen(function*() {
    const store = yield* StateStore.StateStore
    const provisioner = yield* ProvisionerModule.Provisioner
    const state = yield* store.list(target.env)
    return yield* PlanModule.make({
      env: target.env,
      envType: target.envType,
      requests: target.requests,
      state,
      ...(target.standards ? { standards: target.standards } : {}),
      supports: provisioner.supports
    })
  })

/**
 * Plans and applies. Resources recorded as ready that drifted from reality (`drift`) are
 * repaired as `update` changes. Refuses a plan with mandatory violations. Each step records its intent
 * (and the credentials it will use) before calling the backend, so a killed apply resumes with
 * the same names and passwords: no duplicate and no leaked resource.
 *
 * @since 0.1.0
 */
export const apply = (
  target: Target,
  options: ApplyOptions = {}
): Effect.Effect<ApplyResult, ProblemsFound | PlanRefused | ApplyFailed | SqlError | SecretBox.SecretKeyError, Requirements> =>
  Effect.gen(function*() {
    // Resources that match their request but drifted (dropped or revoked behind Paved's back)
    // are repaired: the plan says so, and the step runs `ensure` with the recorded credentials.
    const p = PlanModule.withRepairs(yield* plan(target), yield* Apply.driftByResource(target.env))
    const refused = PlanModule.refusal(p)
    if (refused) return yield* refused
    if (options.onEvent) yield* options.onEvent({ _tag: "Planned", plan: p })
    const failures = yield* Apply.run(p, options)
    if (failures.length > 0) return yield* new ApplyFailed({ env: target.env, failures })
    return { plan: p, outputs: yield* outputs(target.env) }
  })

/**
 * The refusal of a plan (re-exported for error handling).
 *
 * @since 0.1.0
 */
export type PlanRefused = PlanModule.PlanRefused

/**
 * Apply as a stream of progress events, ending when the apply ends (failing as it fails).
 *
 * @since 0.1.0
 */
export const applyStream = (
  target: Target,
  options: Omit<ApplyOptions, "onEvent"> = {}
): Stream.Stream<Event, ProblemsFound | PlanRefused | ApplyFailed | SqlError | SecretBox.SecretKeyError, Requirements> =>
  Stream.asyncPush<Event, ProblemsFound | PlanRefused | ApplyFailed | SqlError | SecretBox.SecretKeyError, Requirements>((emit) =>
    apply(target, { ...options, onEvent: (e) => Effect.sync(() => emit.single(e)) }).pipe(
      Effect.matchEffect({ onFailure: (e) => Effect.sync(() => emit.fail(e)), onSuccess: () => Effect.sync(() => emit.end()) }),
      Effect.forkScoped,
      Effect.asVoid
    ))

/**
 * Removes every resource of an environment (deletion protection is a standard for the cloud;
 * locally everything goes).
 *
 * @since 0.1.0
 */
export const destroy = (
  env: string,
  options: ApplyOptions = {}
): Effect.Effect<ReadonlyArray<string>, ApplyFailed | SqlError | SecretBox.SecretKeyError, Requirements> =>
  Effect.gen(function*() {
    const store = yield* StateStore.StateStore
    const rows = yield* store.list(env)
    const p: Plan = {
      env,
      envType: "development",
      violations: [],
      changes: rows.map((r) => ({
        action: "delete" as const, resource: r.key, type: r.type, class: r.class, reason: "destroy", desired: undefined, recorded: r
      }))
    }
    const failures = yield* Apply.run(p, options)
    if (failures.length > 0) return yield* new ApplyFailed({ env, failures })
    return rows.map((r) => r.key)
  })

/**
 * Brings every drifted resource of an environment back to its recorded state (recreates a
 * dropped database, re-grants a revoked role or key) without reading any workload: each one is
 * re-applied from its record, with its recorded name and credentials. Returns the resources it
 * repaired and what was wrong with each.
 *
 * @since 0.2.0
 */
export const refresh = (
  env: string,
  options: ApplyOptions = {}
): Effect.Effect<ReadonlyArray<Difference>, ApplyFailed | SqlError | SecretBox.SecretKeyError, Requirements> =>
  Effect.gen(function*() {
    const store = yield* StateStore.StateStore
    const drifted = yield* Apply.driftByResource(env)
    const rows = (yield* store.list(env)).filter((r) => drifted.has(r.key))
    const p: Plan = {
      env,
      envType: "development",
      violations: [],
      changes: rows.map((r) => ({
        action: "update" as const, resource: r.key, type: r.type, class: r.class,
        reason: `repair drift: ${drifted.get(r.key)!.join("; ")}`,
        desired: { request: Request.make({ key: r.key, type: r.type, class: r.class, params: r.params, tags: r.tags }), settings: r.settings, name: r.name, tags: r.tags },
        recorded: r
      }))
    }
    if (options.onEvent) yield* options.onEvent({ _tag: "Planned", plan: p })
    const failures = yield* Apply.run(p, options)
    if (failures.length > 0) return yield* new ApplyFailed({ env, failures })
    return rows.flatMap((r) => drifted.get(r.key)!.map((difference) => ({ resource: r.key, type: r.type, difference })))
  })

/**
 * One difference between recorded state and reality.
 *
 * @since 0.1.0
 */
export interface Difference {
  readonly resource: string
  readonly type: string
  readonly difference: string
}

/**
 * Compares what the state store recorded with what exists (database, role, vhost, ACL user,
 * bucket...). An empty list means no drift.
 *
 * @since 0.1.0
 */
export const drift = (
  env: string
): Effect.Effect<ReadonlyArray<Difference>, SqlError | SecretBox.SecretKeyError | ProvisionerModule.ProvisionError, Requirements> =>
  Apply.drift(env)

/**
 * The outputs of every ready resource of an environment, keyed by resource key; secrets are
 * `Redacted`.
 *
 * @since 0.1.0
 */
export const outputs = (
  env: string
): Effect.Effect<Readonly<Record<string, Outputs>>, SqlError | SecretBox.SecretKeyError, StateStore.StateStore | SecretBox.SecretBox> =>
  Apply.outputs(env)

/**
 * The journal of an environment: every started, completed and failed step, oldest first.
 *
 * @since 0.1.0
 */
export const journal = (env: string): Effect.Effect<ReadonlyArray<StateStore.JournalEntry>, SqlError, StateStore.StateStore> =>
  Effect.flatMap(StateStore.StateStore, (store) => store.history(env))

/**
 * Outputs with every secret revealed, for `--reveal` and for injecting into a process.
 *
 * @since 0.1.0
 */
export const reveal = (outputs: Readonly<Record<string, Outputs>>): Readonly<Record<string, Readonly<Record<string, string>>>> =>
  Object.fromEntries(Object.entries(outputs).map(([k, o]) => [
    k,
    Object.fromEntries(Object.entries(o).map(([n, v]) => [n, Redacted.isRedacted(v) ? Redacted.value(v) : v]))
  ]))

/**
 * The variables of each container of a workload with placeholders resolved from the
 * environment's outputs (keyed by resource key, as {@link outputs} returns them). Values that
 * include a secret are `Redacted`. `unresolved` lists what could not be resolved.
 *
 * @since 0.1.0
 */
export const resolvePlaceholders = (
  workload: Workload,
  envOutputs: Readonly<Record<string, Outputs>>
): {
  readonly containers: Readonly<Record<string, Readonly<Record<string, string | Redacted.Redacted<string>>>>>
  readonly unresolved: ReadonlyArray<Unresolved & { readonly container: string; readonly variable: string }>
} => {
  const byName: Record<string, Outputs> = {}
  for (const [name, r] of Object.entries(workload.resources ?? {})) {
    const o = envOutputs[r.id ?? `${workload.metadata.name}.${name}`]
    if (o !== undefined) byName[name] = o
  }
  const unresolved: Array<Unresolved & { container: string; variable: string }> = []
  const containers = Object.fromEntries(Object.entries(workload.containers).map(([cname, c]) => [
    cname,
    Object.fromEntries(Object.entries(c.variables ?? {}).map(([variable, text]) => {
      const r = Placeholder.substitute(text, workload.metadata, byName)
      for (const u of r.unresolved) unresolved.push({ ...u, container: cname, variable })
      return [variable, r.value]
    }))
  ]))
  return { containers, unresolved }
}

/**
 * Everything the API needs on one machine: the SQLite state store and key file under `dir`
 * (default `.paved`) and the local backend. Swap parts with your own layers for other setups.
 *
 * @since 0.1.0
 */
export const layerLocal = (
  options: ProvisionerModule.LocalOptions & { readonly stateUrl?: string } = {}
): Layer.Layer<Requirements, SqlError | ConfigError | SecretBox.SecretKeyError> => {
  const dir = options.dir ?? ".paved"
  // The same reading of a store URL as every other Paved store (`Database.parse`).
  const target = Database.parse(options.stateUrl ?? `${dir}/paved.db`)
  const state = target._tag === "pg"
    ? StateStore.layerPg({ url: target.url })
    : StateStore.layerSqlite({ filename: target._tag === "sqlite" ? target.filename : ":memory:" })
  return Layer.mergeAll(state, SecretBox.layer({ dir }), ProvisionerModule.layerLocal(options))
}
