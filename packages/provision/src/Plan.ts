/**
 * Plans: the desired resources of an environment (requests after the standards) against the
 * recorded state, as create / update / replace / delete / no-op changes, each with its reason,
 * plus the policy violations. Plans are deterministic: the same inputs give the same JSON.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as EnvironmentName from "./EnvironmentName.js"
import * as PhysicalName from "./PhysicalName.js"
import type { Problem } from "./Problem.js"
import { ProblemsFound } from "./Problem.js"
import type { ResourceRequest } from "./Request.js"
import * as Request from "./Request.js"
import * as ResourceType from "./ResourceType.js"
import * as ServiceTypes from "./ServiceTypes.js"
import type { Desired, EnvType, Settings, Standards, Violation } from "./Standards.js"
import * as Std from "./Standards.js"

/**
 * A resource as the state store recorded it. `status` is `creating` while an apply works on it
 * (and stays so if the apply was killed), `ready` once it exists, `deleting` during a delete.
 *
 * @since 0.1.0
 */
export interface Recorded {
  readonly env: string
  readonly key: string
  readonly type: string
  readonly class: string
  readonly name: string
  readonly settings: Settings
  readonly tags: Readonly<Record<string, string>>
  readonly params: Readonly<Record<string, unknown>>
  readonly status: "creating" | "ready" | "deleting"
}

/**
 * What a change does.
 *
 * @since 0.1.0
 */
export type Action = "create" | "update" | "replace" | "delete" | "no-op"

/**
 * One change of a plan.
 *
 * @since 0.1.0
 */
export interface Change {
  readonly action: Action
  readonly resource: string
  readonly type: string
  readonly class: string
  readonly reason: string
  readonly desired: Desired | undefined
  readonly recorded: Recorded | undefined
}

/**
 * A plan for one environment.
 *
 * @since 0.1.0
 */
export interface Plan {
  readonly env: string
  readonly envType: EnvType
  readonly changes: ReadonlyArray<Change>
  readonly violations: ReadonlyArray<Violation>
}

/**
 * The plan has mandatory violations, so it is refused. Each violation says what to change.
 *
 * @since 0.1.0
 */
export class PlanRefused extends Data.TaggedError("PlanRefused")<{
  readonly env: string
  readonly violations: ReadonlyArray<Violation>
}> {
  override get message(): string {
    return `the plan for "${this.env}" is refused: ${this.violations.length} mandatory policy violation(s)\n` +
      this.violations.map((v) => `  ${v.resource}: [${v.policy}] ${v.message}`).join("\n")
  }
}

/**
 * Everything a plan is made from.
 *
 * @since 0.1.0
 */
export interface Input {
  readonly env: string
  readonly envType: EnvType
  readonly requests: ReadonlyArray<ResourceRequest>
  readonly state: ReadonlyArray<Recorded>
  readonly standards?: Standards
  /** Whether the chosen backend has a provisioner for a type; by default, the types in `ResourceType.known`. */
  readonly supports?: (type: string) => boolean
}

const immutable = ["version", "region", "encryption"] as const
const mutable = ["size", "backup", "deletionProtection", "multiAz", "ttlHours"] as const
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v)

// Params that set a standard's setting are compared as settings, not again as params.
const settingKeys = new Set<string>([...immutable, ...mutable])
const otherParams = (params: Readonly<Record<string, unknown>>) =>
  Object.fromEntries(Object.entries(params).filter(([k]) => !settingKeys.has(k)))

const compare = (desired: Desired, recorded: Recorded): { readonly action: Action; readonly reason: string } => {
  const s = desired.settings
  if (recorded.status === "creating") return { action: "create", reason: "a previous apply stopped before this resource was ready; resume it" }
  if (recorded.status === "deleting") return { action: "create", reason: "a previous delete stopped part way; create it again" }
  if (recorded.type !== desired.request.type) return { action: "replace", reason: `type changes from ${recorded.type} to ${desired.request.type}` }
  if (recorded.class !== s.class) return { action: "replace", reason: `class changes from ${recorded.class} to ${s.class}` }
  if (recorded.name !== desired.name) return { action: "replace", reason: `name changes from ${recorded.name} to ${desired.name}` }
  for (const k of immutable) {
    if (recorded.settings[k] !== s[k]) {
      return { action: "replace", reason: `${k} changes from ${String(recorded.settings[k])} to ${String(s[k])} (cannot change in place)` }
    }
  }
  const changed: Array<string> = []
  for (const k of mutable) if (recorded.settings[k] !== s[k]) changed.push(`${k} ${String(recorded.settings[k])} -> ${String(s[k])}`)
  if (canonical(recorded.tags) !== canonical(desired.tags)) changed.push("tags")
  if (canonical(otherParams(recorded.params)) !== canonical(otherParams(desired.request.params))) changed.push("params")
  if (changed.length > 0) return { action: "update", reason: changed.join(", ") }
  return { action: "no-op", reason: "matches the recorded state" }
}

// A resource recorded under the earlier default naming keeps its name: replacing it would drop
// its database. New resources get injective names, which never equal an earlier one.
const keepLegacyName = (d: Desired, env: string, recorded: string | undefined): Desired =>
  recorded !== undefined && recorded !== d.name && d.name === PhysicalName.make(env, d.request.key) &&
    recorded === PhysicalName.legacy(env, d.request.key)
    ? { ...d, name: recorded }
    : d

/**
 * Makes a plan. Fails with every problem when a request cannot be provisioned here (a type
 * with no provisioner, a shared id used with two types); policy violations are part of the
 * plan, and {@link refusal} says whether it may be applied.
 *
 * @since 0.1.0
 */
export const make = (input: Input): Effect.Effect<Plan, ProblemsFound> =>
  Effect.gen(function*() {
    const standards = (input.standards ?? Std.defaultStandards)[input.envType]
    const supports = input.supports ?? ((type: string) => ResourceType.info(type) !== undefined)
    const merged = Request.merge(input.requests)
    const problems: Array<Problem> = [...merged.problems]
    const badName = EnvironmentName.validate(input.env)
    if (badName !== undefined) problems.push({ severity: "error", file: "(environment name)", line: 0, column: 0, rule: "provision/environment-name", message: badName })
    for (const r of merged.requests) {
      // Score's networking types are resolved by the environment, whatever the backend.
      if (!ResourceType.isResolvedByEnvironment(r.type) && !supports(r.type)) {
        problems.push({ severity: "error", ...r.source, rule: "provision/unsupported-type", message: `no provisioner for type ${r.type} in environment type ${input.envType}` })
      }
      for (const variable of Request.pavedVariables(r)) {
        problems.push({ severity: "error", ...r.source, rule: "provision/paved-variable", message: Request.pavedVariableMessage(r.key, variable) })
      }
    }
    if (problems.length > 0) return yield* new ProblemsFound({ problems })
    const recordedNames = new Map(input.state.filter((r) => r.env === input.env).map((r) => [r.key, r.name]))
    const resolved = merged.requests.filter((r) => ResourceType.isResolvedByEnvironment(r.type))
    const desired = merged.requests.filter((r) => !ResourceType.isResolvedByEnvironment(r.type)).map((r) => keepLegacyName(Std.applyDefaults(standards, input.env, r), input.env, recordedNames.get(r.key)))
    const violations = (yield* Effect.forEach(desired, (d) => Std.evaluate(standards, d, { env: input.env, envType: input.envType })))
      .flat()
    const recordedByKey = new Map(input.state.filter((r) => r.env === input.env).map((r) => [r.key, r]))
    const changes: Array<Change> = []
    for (const d of desired) {
      const rec = recordedByKey.get(d.request.key)
      recordedByKey.delete(d.request.key)
      const { action, reason } = rec === undefined ? { action: "create" as const, reason: "not provisioned yet" } : compare(d, rec)
      changes.push({ action, resource: d.request.key, type: d.request.type, class: d.settings.class, reason, desired: d, recorded: rec })
    }
    for (const r of resolved) {
      changes.push({ action: "no-op", resource: r.key, type: r.type, class: r.class ?? "default", reason: ServiceTypes.describe(r, input.env), desired: undefined, recorded: undefined })
    }
    for (const rec of recordedByKey.values()) {
      changes.push({ action: "delete", resource: rec.key, type: rec.type, class: rec.class, reason: "no longer requested", desired: undefined, recorded: rec })
    }
    changes.sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0))
    return { env: input.env, envType: input.envType, changes, violations }
  })

/**
 * The plan with each resource that matches its request but drifted from reality (a database
 * dropped, a role or key revoked behind Paved's back) turned into an `update` that repairs it:
 * `differences` maps resource keys to what `drift` found. The reason says what is repaired.
 *
 * @since 0.2.0
 */
export const withRepairs = (plan: Plan, differences: ReadonlyMap<string, ReadonlyArray<string>>): Plan => ({
  ...plan,
  changes: plan.changes.map((c) => {
    const found = differences.get(c.resource) ?? []
    return c.action === "no-op" && found.length > 0 ? { ...c, action: "update" as const, reason: `repair drift: ${found.join("; ")}` } : c
  })
})

/**
 * The refusal of a plan with mandatory violations, or `undefined` when it may be applied.
 *
 * @since 0.1.0
 */
export const refusal = (plan: Plan): PlanRefused | undefined => {
  const mandatory = plan.violations.filter((v) => v.enforcement === "mandatory")
  return mandatory.length === 0 ? undefined : new PlanRefused({ env: plan.env, violations: mandatory })
}

/**
 * Whether the plan changes anything.
 *
 * @since 0.1.0
 */
export const hasChanges = (plan: Plan): boolean => plan.changes.some((c) => c.action !== "no-op")

/**
 * The plan as the documented JSON document:
 * `{"env","envType","changes":[{"action","resource","type","class","reason"}],"violations":[...]}`.
 *
 * @since 0.1.0
 */
export const toJson = (plan: Plan) => ({
  env: plan.env,
  envType: plan.envType,
  changes: plan.changes.map((c) => ({ action: c.action, resource: c.resource, type: c.type, class: c.class, reason: c.reason })),
  violations: plan.violations.map((v) => ({ policy: v.policy, resource: v.resource, enforcement: v.enforcement, message: v.message }))
})
