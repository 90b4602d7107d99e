import { afterAll, describe, expect, it } from "@effect/vitest"
import { Provision, Provisioner, SecretBox, StateStore } from "@paved/provision"
import { Effect, Either, Layer, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

// A backend whose behaviour the test controls, to observe the apply engine itself: retries on
// transient failures, no retry on permanent ones, and the concurrency bound.
const makeFlaky = () => {
  const state = { inFlight: 0, maxInFlight: 0, attempts: new Map<string, number>() }
  const provisioner: Provisioner.Service = {
    backend: "test",
    supports: () => true,
    ensure: (i) =>
      Effect.gen(function*() {
        const n = (state.attempts.get(i.key) ?? 0) + 1
        state.attempts.set(i.key, n)
        state.inFlight++
        state.maxInFlight = Math.max(state.maxInFlight, state.inFlight)
        yield* Effect.sleep("20 millis")
        state.inFlight--
        if (i.key.startsWith("flaky") && n < 3) {
          return yield* new Provisioner.ProvisionError({ resource: i.key, type: i.type, operation: "ensure", detail: "ECONNREFUSED", transient: true })
        }
        if (i.key.startsWith("broken")) {
          return yield* new Provisioner.ProvisionError({ resource: i.key, type: i.type, operation: "ensure", detail: "permission denied", transient: false })
        }
        return { host: "h", password: i.password }
      }),
    remove: () => Effect.void,
    inspect: () => Effect.succeed([])
  }
  return { state, layer: Layer.succeed(Provisioner.Provisioner, provisioner) }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-retry-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
const base = Layer.merge(StateStore.layerSqlite({ filename: path.join(dir, "paved.db") }), SecretBox.layer({ dir }))

describe("apply engine", () => {
  it.live("retries transient failures with backoff, keeps within the concurrency bound, and reports permanent failures", () => {
    const flaky = makeFlaky()
    return Effect.gen(function*() {
      const requests = [
        Provision.request({ key: "flaky-db", type: "volume" }),
        Provision.request({ key: "broken-db", type: "volume" }),
        ...Array.from({ length: 6 }, (_, i) => Provision.request({ key: `ok${i}`, type: "volume" }))
      ]
      const retries: Array<string> = []
      const result = yield* Effect.either(Provision.apply({ env: "retry", envType: "development", requests }, {
        concurrency: 2,
        onEvent: (e) => Effect.sync(() => e._tag === "StepRetrying" && retries.push(`${e.resource}#${e.attempt}`))
      }))
      expect(retries).toEqual(["flaky-db#1", "flaky-db#2"])
      expect(flaky.state.attempts.get("flaky-db")).toBe(3)
      expect(flaky.state.attempts.get("broken-db")).toBe(1)
      expect(flaky.state.maxInFlight).toBeLessThanOrEqual(2)
      expect(Either.isLeft(result) && result.left._tag).toBe("ApplyFailed")
      if (Either.isLeft(result) && result.left._tag === "ApplyFailed") {
        expect(result.left.failures).toEqual([{ resource: "broken-db", action: "create", error: "ensure volume resource \"broken-db\" failed: permission denied" }])
      }
      // Everything else is recorded; the failed step stays "creating" and is retried next time.
      const outputs = yield* Provision.outputs("retry")
      expect(Object.keys(outputs).sort()).toEqual(["flaky-db", "ok0", "ok1", "ok2", "ok3", "ok4", "ok5"])
      expect(Redacted.isRedacted(outputs["ok0"]!["password"])).toBe(true)
      const again = yield* Provision.plan({ env: "retry", envType: "development", requests })
      expect(again.changes.filter((c) => c.action !== "no-op").map((c) => [c.resource, c.action])).toEqual([["broken-db", "create"]])
    }).pipe(Effect.provide(Layer.merge(base, flaky.layer)))
  })
})
