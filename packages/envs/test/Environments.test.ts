import { it } from "@effect/vitest"
import { Environment, Environments, EnvStore } from "@paved/envs"
import { Receiver, SpanStore } from "@paved/observe"
import * as Provisioner from "@paved/provision/Provisioner"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect } from "vitest"
import { serverAvailable } from "../../../testing/servers.js"
import { databasesLike, envName, getJson, listening, loadShop, pgUrl, processesOf, rolesLike, shop, tempDir } from "./support.js"

const layers = (dir: string) =>
  Layer.mergeAll(
    EnvStore.layerSqlite({ filename: path.join(dir, "paved.db") }),
    Provisioner.layerLocal({ dir, postgres: pgUrl }),
    SpanStore.layerMemory
  )

const changeSet = ["services/orders/server.mjs", "services/billing/score.yaml"]

const physicalPrefix = (name: string) => `paved_${name.replace(/-/g, "_")}_`

describe.runIf(serverAvailable("postgresql"))("a preview environment for a cross-service change (real PostgreSQL)", () => {
  it.live("brings up exactly the right set, wired to its databases and telemetry, and down leaves nothing", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("paved-envs-e2e-")
      yield* Effect.gen(function*() {
        const catalog = yield* loadShop
        const store = yield* SpanStore.SpanStore
        const receiver = yield* Receiver.serve({ port: 0, store })
        const name = envName("pr")
        const progress: Array<Environments.Progress> = []
        const record = yield* Effect.scoped(Environments.up({
          name,
          type: "preview",
          owner: "group:default/shop-team",
          ttl: "2 hours",
          catalog,
          repositoryRoot: shop,
          changedFiles: changeSet,
          telemetry: { _tag: "Shared", endpoint: receiver.url },
          directory: path.join(dir, "envs", name),
          onProgress: (p) => Effect.sync(() => progress.push(p))
        }))
        // The scope of `up` is closed: the environment is detached and still running.
        expect(record.status).toBe("ready")
        expect(record.changed).toEqual(["component:default/billing", "component:default/orders"])
        expect(record.services.map((s) => s.ref)).toEqual([
          "component:default/accounts",
          "component:default/billing",
          "component:default/orders"
        ])
        expect(record.resources.map((r) => [r.key, r.type])).toEqual([["billing.db", "postgres"], ["orders.db", "postgres"]])
        expect(progress.some((p) => p.phase === "ready")).toBe(true)
        const url = (n: string) => record.services.find((s) => s.name === n)!.url!
        const orders = yield* getJson(`${url("orders")}/orders`)
        expect(orders.status).toBe(200)
        expect(orders.body).toMatchObject({
          service: "orders",
          database: `${physicalPrefix(name)}_orders__db`,
          orders: [
            { id: "o1", item: "analytical engine", customerName: "Ada Lovelace" },
            { id: "o2", item: "compiler", customerName: "Grace Hopper" }
          ]
        })
        const invoices = yield* getJson(`${url("billing")}/invoices`)
        expect(invoices.body).toMatchObject({
          database: `${physicalPrefix(name)}_billing__db`,
          invoices: [{ id: "i1", cents: 4200, customerName: "Grace Hopper", currency: "EUR" }]
        })
        // Secrets are used but never recorded.
        const billing = record.services.find((s) => s.name === "billing")!
        expect(billing.configKeys).toContain("DATABASE_URL")
        expect(billing.config.DATABASE_URL).toBeUndefined()
        expect(billing.config.CURRENCY).toBe("EUR")
        expect(JSON.stringify(record)).not.toMatch(/postgres:\/\/[^@]*:[^@]+@/)
        // Traces from the environment arrive in its telemetry, across services.
        let services: ReadonlyArray<string> = []
        for (let i = 0; i < 100 && !(services.includes("orders") && services.includes("accounts")); i++) {
          yield* Effect.sleep("100 millis")
          const traces = yield* store.searchTraces({ service: "orders", since: "10 minutes" })
          services = traces.flatMap((t) => t.services)
        }
        expect(services).toEqual(expect.arrayContaining(["orders", "accounts"]))
        const listed = yield* Environments.list
        const mine = listed.find((l) => l.record.name === name)!
        expect(mine.health).toBe("healthy")
        expect(mine.ttlMs).toBeGreaterThan(0)
        // down removes everything: processes, ports, databases, roles, files, the record.
        const pids = processesOf(name)
        expect(pids.length).toBeGreaterThanOrEqual(3)
        const ports = record.services.map((s) => s.port!)
        expect(databasesLike(physicalPrefix(name))).toHaveLength(2)
        yield* Environments.down(name)
        expect(processesOf(name)).toEqual([])
        for (const port of ports) expect(yield* Effect.promise(() => listening(port))).toBe(false)
        expect(databasesLike(physicalPrefix(name))).toEqual([])
        expect(rolesLike(physicalPrefix(name))).toEqual([])
        expect(fs.existsSync(record.directory)).toBe(false)
        expect((yield* Environments.list).some((l) => l.record.name === name)).toBe(false)
      }).pipe(Effect.provide(layers(dir)), Effect.scoped)
    }).pipe(Effect.scoped), 120_000)

  it.live("a service that never becomes ready unwinds everything the run created", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("paved-envs-fail-")
      yield* Effect.gen(function*() {
        const catalog = yield* loadShop
        const name = envName("broken")
        const ports: Array<number> = []
        const ready: Array<string> = []
        const exit = yield* Effect.exit(Effect.scoped(Environments.up({
          name,
          catalog,
          services: ["stuck", "orders"],
          directory: path.join(dir, "envs", name),
          readyTimeout: "8 seconds",
          onProgress: (p) =>
            Effect.sync(() => {
              const port = /starting on port (\d+)/.exec(p.detail)?.[1]
              if (port !== undefined) ports.push(Number(port))
              if (p.detail.startsWith("ready at")) ready.push(p.subject)
            })
        })))
        expect(Exit.isFailure(exit)).toBe(true)
        if (Exit.isFailure(exit)) {
          const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
          expect(error).toBeInstanceOf(Environment.ServiceFailed)
          expect((error as Environment.ServiceFailed).ref).toBe("component:default/stuck")
          expect((error as Environment.ServiceFailed).message).toContain("did not pass within 8s")
        }
        // orders waits for accounts only, not for stuck (of the same layer): it started and got
        // ready while stuck never did; all three are gone again.
        expect(ready).toEqual(["component:default/accounts", "component:default/orders"])
        expect(ports.length).toBe(3)
        expect(processesOf(name)).toEqual([])
        for (const port of ports) expect(yield* Effect.promise(() => listening(port))).toBe(false)
        expect(databasesLike(physicalPrefix(name))).toEqual([])
        expect(rolesLike(physicalPrefix(name))).toEqual([])
        expect(fs.existsSync(path.join(dir, "envs", name))).toBe(false)
        expect(yield* Environments.list).toEqual([])
      }).pipe(Effect.provide(layers(dir)))
    }).pipe(Effect.scoped), 120_000)
})

describe("the embedded default (no PostgreSQL server configured)", () => {
  it.live("runs a service on an embedded PostgreSQL for the life of the scope, leaving no process, port or file", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("paved-envs-embedded-")
      // As root, the embedded server runs as the `postgres` user, which must reach its data directory.
      fs.chmodSync(dir, 0o755)
      const name = envName("emb")
      const directory = path.join(dir, "envs", name)
      yield* Effect.gen(function*() {
        const catalog = yield* loadShop
        const port = yield* Effect.scoped(Effect.gen(function*() {
          const record = yield* Environments.up({ name, type: "development", catalog, services: ["orders"], detach: false, directory })
          const orders = record.services.find((s) => s.name === "orders")!
          const body = (yield* getJson(`${orders.url}/orders`)).body
          expect(body).toMatchObject({ database: `${physicalPrefix(name)}_orders__db`, orders: [{ customerName: "Ada Lovelace" }, { customerName: "Grace Hopper" }] })
          return orders.port!
        }))
        expect(processesOf(name)).toEqual([])
        expect(yield* Effect.promise(() => listening(port))).toBe(false)
        expect(fs.existsSync(directory)).toBe(false)
        expect(yield* Environments.list).toEqual([])
      }).pipe(
        Effect.provide(Layer.mergeAll(
          EnvStore.layerSqlite({ filename: path.join(dir, "paved.db") }),
          Provisioner.layerLocal({ dir, postgres: "embedded" })
        ))
      )
    }).pipe(Effect.scoped), 180_000)
})
