import { afterAll, describe, expect, it } from "@effect/vitest"
import { Provisioner, ResourceType, Standards } from "@paved/provision"
import { Effect, ManagedRuntime, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { ServerName } from "../../../testing/servers.js"
import { serverAvailable } from "../../../testing/servers.js"
import { unique } from "./fixtures.js"

// The Provisioner contract, run for every type the local backend supports whose server is here:
// outputs are exactly what ResourceType declares (so plan-time placeholder checks are true),
// secrets are Redacted, ensure is idempotent, inspect sees removal, remove is idempotent.
const servers: Record<string, ServerName | undefined> = {
  postgres: "postgresql", mysql: "mariadb", redis: "redis", amqp: "rabbitmq", queue: "nats", stream: "nats",
  s3: undefined, volume: undefined, environment: undefined
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-conformance-"))
const runtime = ManagedRuntime.make(Provisioner.layerLocal({ dir, postgres: "postgres://postgres@127.0.0.1:5432/postgres" }))
afterAll(async () => {
  await runtime.dispose()
  fs.rmSync(dir, { recursive: true, force: true })
})

const noProgress = () => Effect.void

const provisioned = Object.keys(ResourceType.known).filter((t) => !ResourceType.isResolvedByEnvironment(t))

describe("Provisioner conformance: local backend", () => {
  it("supports every known type and nothing else", async () => {
    const p = await runtime.runPromise(Provisioner.Provisioner)
    for (const type of provisioned) expect(p.supports(type), type).toBe(true)
    // Score's networking types are resolved by the environment, never by a backend.
    for (const type of ["service", "service-port", "endpoint", "dns", "route"]) expect(p.supports(type), type).toBe(false)
    expect(p.supports("mongodb")).toBe(false)
  })

  for (const type of provisioned) {
    const server = servers[type]
    describe.runIf(server === undefined || serverAvailable(server))(type, () => {
      const env = unique("c")
      const instance: Provisioner.Instance = {
        env,
        key: "res",
        type,
        name: Standards.defaultNaming(env, "res", type),
        settings: Standards.applyDefaults(Standards.defaultStandards.development, env, {
          key: "res", type, class: undefined, params: {}, tags: {}, workload: undefined, entityRef: undefined,
          source: { file: "<test>", line: 0, column: 0 }, dependsOn: []
        }).settings,
        tags: {},
        params: type === "environment" ? { A: "1" } : {},
        password: Redacted.make(`pw${Math.random().toString(36).slice(2)}`)
      }

      it("ensures, inspects, ensures again, removes and removes again", async () => {
        const p = await runtime.runPromise(Provisioner.Provisioner)
        const first = await runtime.runPromise(p.ensure(instance, noProgress))
        const info = ResourceType.info(type)!
        if (info.outputs !== undefined) expect(Object.keys(first).sort()).toEqual([...info.outputs].sort())
        for (const [k, v] of Object.entries(first)) expect(Redacted.isRedacted(v), `${type}.${k}`).toBe(info.secrets.includes(k))
        expect(await runtime.runPromise(p.inspect(instance))).toEqual([])
        const second = await runtime.runPromise(p.ensure(instance, noProgress))
        expect(JSON.stringify(Object.keys(second).sort())).toBe(JSON.stringify(Object.keys(first).sort()))
        await runtime.runPromise(p.remove(instance, noProgress))
        if (type !== "environment") expect((await runtime.runPromise(p.inspect(instance))).length).toBeGreaterThan(0)
        await runtime.runPromise(p.remove(instance, noProgress))
      }, 120_000)
    })
  }
})
