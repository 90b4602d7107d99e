import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { randomBytes } from "node:crypto"
import type { Outputs } from "../Placeholder.js"
import * as Placeholder from "../Placeholder.js"
import type { Change, Plan } from "../Plan.js"
import type { ApplyOptions, Difference, Event } from "../Provision.js"
import type { Instance } from "../Provisioner.js"
import { ProvisionError, Provisioner } from "../Provisioner.js"
import { SecretBox } from "../SecretBox.js"
import type { Row } from "../StateStore.js"
import type { Service as StateStoreService } from "../StateStore.js"
import { StateStore } from "../StateStore.js"

// Letters and digits only: safe inside URLs, SQL literals and rabbitmqctl arguments.
const newPassword = (): Redacted.Redacted<string> =>
  Redacted.make(randomBytes(24).toString("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, 24).padEnd(24, "x"))

const sealOutputs = (outputs: Outputs): Redacted.Redacted<string> =>
  Redacted.make(JSON.stringify(Object.fromEntries(Object.entries(outputs).map(([k, v]) =>
    Redacted.isRedacted(v) ? [k, { secret: true, value: Redacted.value(v) }] : [k, { secret: false, value: v }]
  ))))

const openOutputs = (json: string): Outputs => {
  const parsed = JSON.parse(json) as Record<string, { secret: boolean; value: string }>
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, v.secret ? Redacted.make(v.value) : v.value]))
}

const instanceOf = (row: Row, password: Redacted.Redacted<string>): Instance => ({
  env: row.env, key: row.key, type: row.type, name: row.name, settings: row.settings, tags: row.tags, params: row.params, password
})

// Types that share one namespace of physical names on a backend.
const family = (type: string) => (type === "queue" || type === "stream" ? "nats" : type)

// Another resource (another environment's, or another key's) recorded with the same physical
// name on the same kind of server: adopting the name would take over, and later drop, its data.
const sameNameOwners = (store: StateStoreService, row: { readonly env: string; readonly key: string; readonly type: string; readonly name: string }) =>
  store.named(row.name).pipe(
    Effect.map((rows) => rows.filter((r) => (r.env !== row.env || r.key !== row.key) && family(r.type) === family(row.type)))
  )

const collision = (row: { readonly env: string; readonly key: string; readonly type: string; readonly name: string }, owners: ReadonlyArray<Row>) =>
  new ProvisionError({
    resource: row.key,
    type: row.type,
    operation: "ensure",
    transient: false,
    detail: `the physical name ${row.name} is already recorded for ${owners.map((o) => `resource ${o.key} of environment "${o.env}"`).join(", ")}; ` +
      `environment "${row.env}" may not adopt it. Two environments must never share a ${row.type} resource: give this ` +
      `environment another name, or change the standards' naming so that names differ`
  })

export interface Failure {
  readonly resource: string
  readonly action: string
  readonly error: string
}

/** Runs the changes of a plan in dependency waves, each wave with bounded concurrency. */
export const run = (plan: Plan, options: ApplyOptions) =>
  Effect.gen(function*() {
    const store = yield* StateStore
    const box = yield* SecretBox
    const provisioner = yield* Provisioner
    const emit = (e: Event) => options.onEvent ? options.onEvent(e) : Effect.void
    const attempts = Math.max(1, options.attempts ?? 5)
    const stepTimeout = Duration.decode(options.stepTimeout ?? "30 minutes")
    const retrying = <A>(
      resource: string,
      type: string,
      operation: ProvisionError["operation"],
      effect: Effect.Effect<A, ProvisionError>
    ) => {
      let attempt = 0
      return effect.pipe(
        // One attempt may not hang forever (a server that accepts and never answers).
        Effect.timeoutFail({
          duration: stepTimeout,
          onTimeout: () =>
            new ProvisionError({
              resource, type, operation, transient: true, detail: `no answer within ${Duration.format(stepTimeout)}`
            })
        }),
        Effect.tapError((e) => {
          attempt++
          return e.transient && attempt < attempts ? emit({ _tag: "StepRetrying", resource, attempt, error: e.message }) : Effect.void
        }),
        Effect.retry({
          schedule: Schedule.exponential("200 millis").pipe(Schedule.intersect(Schedule.recurs(attempts - 1))),
          while: (e) => e.transient
        })
      )
    }
    const progress = (resource: string) => (message: string) => emit({ _tag: "StepProgress", resource, message })
    const outputsSoFar = new Map<string, Outputs>()
    // The rows as stored (with their sealed passwords), not the plan's view of them.
    const rows = new Map((yield* store.list(plan.env)).map((r) => [r.key, r]))
    for (const row of rows.values()) {
      if (row.status === "ready" && row.sealedOutputs !== undefined) {
        const opened = yield* box.open(row.sealedOutputs)
        outputsSoFar.set(row.key, openOutputs(Redacted.value(opened)))
      }
    }

    const remove = (row: Row, action: string) =>
      Effect.gen(function*() {
        const password = yield* box.open(row.sealedPassword)
        yield* store.journal({ env: row.env, resource: row.key, action, phase: "started", detail: `remove ${row.type} ${row.name}` })
        yield* store.markDeleting(row.env, row.key)
        // A name shared with another recorded resource (left by the earlier, non-injective
        // naming) is that resource's too: forget this record, leave the resource to its owner.
        const owners = yield* sameNameOwners(store, row)
        if (owners.length > 0) {
          yield* progress(row.key)(`${row.name} is also recorded for ${owners.map((o) => `${o.key} of "${o.env}"`).join(", ")}; left in place`)
        } else yield* retrying(row.key, row.type, "remove", provisioner.remove(instanceOf(row, password), progress(row.key)))
        yield* store.forget(row.env, row.key)
        outputsSoFar.delete(row.key)
        yield* store.journal({ env: row.env, resource: row.key, action, phase: "completed", detail: "" })
      })

    const step = (change: Change) =>
      Effect.gen(function*() {
        yield* emit({ _tag: "StepStarted", resource: change.resource, action: change.action })
        const recorded = change.recorded ? rows.get(change.resource) : undefined
        if (change.action === "delete" && recorded) {
          yield* remove(recorded, "delete")
        } else if (change.desired) {
          const d = change.desired
          if (change.action === "replace" && recorded) yield* remove(recorded, "replace")
          // Reuse the recorded password unless the resource is replaced: a resumed step must
          // converge on the same credentials it may already have created.
          const password = recorded && change.action !== "replace" ? yield* box.open(recorded.sealedPassword) : newPassword()
          const row: Omit<Row, "sealedOutputs" | "updatedAt"> = {
            env: plan.env, key: d.request.key, type: d.request.type, class: d.settings.class, name: d.name,
            settings: d.settings, tags: d.tags, params: d.request.params, status: "creating", sealedPassword: box.seal(password)
          }
          const owners = yield* sameNameOwners(store, row)
          if (owners.length > 0) return yield* collision(row, owners)
          yield* store.journal({ env: plan.env, resource: row.key, action: change.action, phase: "started", detail: change.reason })
          yield* store.begin(row)
          // Two applies may check at the same moment: after recording, look again. When both
          // see each other, both stop, and neither touches the resource.
          const raced = yield* sameNameOwners(store, row)
          if (raced.length > 0) {
            if (recorded === undefined) yield* store.forget(plan.env, row.key)
            return yield* collision(row, raced)
          }
          const deps: Record<string, Outputs> = {}
          for (const [name, key] of d.request.dependsOn) {
            const o = outputsSoFar.get(key)
            if (o !== undefined) deps[name] = o
          }
          const params = Placeholder.substituteDeep(d.request.params, { name: d.request.workload ?? d.request.key }, deps) as Record<string, unknown>
          const outputs = yield* retrying(row.key, row.type, "ensure", provisioner.ensure({ ...instanceOf({ ...row, sealedOutputs: undefined, updatedAt: "" }, password), params }, progress(row.key)))
          yield* store.ready(plan.env, row.key, box.seal(sealOutputs(outputs)))
          outputsSoFar.set(row.key, outputs)
          yield* store.journal({ env: plan.env, resource: row.key, action: change.action, phase: "completed", detail: "" })
        }
        yield* emit({ _tag: "StepCompleted", resource: change.resource, action: change.action })
      }).pipe(
        Effect.catchAll((e) => {
          const error = e.message
          return Effect.zipRight(
            Effect.all([
              store.journal({ env: plan.env, resource: change.resource, action: change.action, phase: "failed", detail: error }).pipe(Effect.ignore),
              emit({ _tag: "StepFailed", resource: change.resource, action: change.action, error })
            ]),
            Effect.succeed<Failure>({ resource: change.resource, action: change.action, error })
          )
        })
      )

    const pending = plan.changes.filter((c) => c.action !== "no-op")
    const done = new Set(plan.changes.filter((c) => c.action === "no-op").map((c) => c.resource))
    const failures: Array<Failure> = []
    const keys = new Set(pending.map((c) => c.resource))
    while (pending.length > 0) {
      // A wave: every change whose dependencies are done (or are not part of this plan).
      const wave = pending.filter((c) =>
        (c.desired?.request.dependsOn ?? []).every(([, key]) => done.has(key) || !keys.has(key) || key === c.resource)
      )
      const batch = wave.length > 0 ? wave : pending.slice() // a cycle is refused earlier; never spin
      for (const c of batch) pending.splice(pending.indexOf(c), 1)
      const results = yield* Effect.forEach(batch, (c) => step(c).pipe(Effect.map((r) => [c, r] as const)), {
        concurrency: Math.max(1, options.concurrency ?? 4)
      })
      for (const [c, r] of results) {
        if (r === undefined) done.add(c.resource)
        else failures.push(r)
      }
    }
    return failures as ReadonlyArray<Failure>
  })

export const outputs = (env: string) =>
  Effect.gen(function*() {
    const store = yield* StateStore
    const box = yield* SecretBox
    const result: Record<string, Outputs> = {}
    for (const row of yield* store.list(env)) {
      if (row.status !== "ready" || row.sealedOutputs === undefined) continue
      result[row.key] = openOutputs(Redacted.value(yield* box.open(row.sealedOutputs)))
    }
    return result as Readonly<Record<string, Outputs>>
  })

/**
 * What `inspect` finds for each ready resource, by key; a resource whose backend cannot be
 * asked (a server down) counts as unknown, not drifted, so an apply behaves as before then.
 */
export const driftByResource = (env: string) =>
  Effect.gen(function*() {
    const store = yield* StateStore
    const box = yield* SecretBox
    const provisioner = yield* Provisioner
    const found = new Map<string, ReadonlyArray<string>>()
    for (const row of yield* store.list(env)) {
      if (row.status !== "ready") continue
      const password = yield* box.open(row.sealedPassword)
      const differences = yield* provisioner.inspect(instanceOf(row, password)).pipe(Effect.orElseSucceed(() => []))
      if (differences.length > 0) found.set(row.key, differences)
    }
    return found as ReadonlyMap<string, ReadonlyArray<string>>
  })

export const drift = (env: string) =>
  Effect.gen(function*() {
    const store = yield* StateStore
    const box = yield* SecretBox
    const provisioner = yield* Provisioner
    const differences: Array<Difference> = []
    for (const row of yield* store.list(env)) {
      if (row.status !== "ready") {
        differences.push({ resource: row.key, type: row.type, difference: `recorded as ${row.status}: the last apply or destroy did not finish` })
        continue
      }
      const password = yield* box.open(row.sealedPassword)
      for (const d of yield* provisioner.inspect(instanceOf(row, password))) differences.push({ resource: row.key, type: row.type, difference: d })
    }
    return differences as ReadonlyArray<Difference>
  })
