import { it } from "@effect/vitest"
import { Diff, Environments, EnvStore } from "@paved/envs"
import { Receiver, SpanStore } from "@paved/observe"
import * as Provisioner from "@paved/provision/Provisioner"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect } from "vitest"
import { envName, getJson, listening, loadShop, processesOf, tempDir } from "./support.js"

// Services without databases: the provisioner is never asked for anything here.
const layers = (dir: string) =>
  Layer.mergeAll(EnvStore.layerSqlite({ filename: path.join(dir, "paved.db") }), Provisioner.layerLocal({ dir }), SpanStore.layerMemory)

describe("environments without resources", () => {
  it.live("shares a dependency from a base environment, diffs the two, tails logs, and reaps the expired preview", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("paved-envs-life-")
      yield* Effect.gen(function*() {
        const catalog = yield* loadShop
        const staging = envName("staging")
        const preview = envName("pr")
        const base = yield* Effect.scoped(Environments.up({
          name: staging,
          type: "staging",
          catalog,
          services: ["accounts"],
          overlays: { LOG_LEVEL: "info" },
          directory: path.join(dir, "envs", staging)
        }))
        const accountsUrl = base.services[0]!.url!
        // accounts' workload names no command: it runs its package.json start script.
        expect(base.services[0]!.command).toEqual(["/bin/sh", "-c", "node server.mjs"])
        const record = yield* Effect.scoped(Environments.up({
          name: preview,
          catalog,
          changedFiles: [path.join(path.dirname(catalog.find((e) => e.ref === "component:default/reports")!.file), "server.mjs")],
          share: { accounts: staging },
          ttl: "1 hour",
          directory: path.join(dir, "envs", preview)
        }))
        expect(record.services.map((s) => [s.name, s.mode])).toEqual([["accounts", "shared"], ["reports", "run"]])
        expect(record.services[0]!.url).toBe(accountsUrl)
        // reports became ready through its exec readiness probe.
        const report = yield* getJson(`${record.services[1]!.url}/report`)
        expect(report.body).toEqual({ service: "reports", customers: ["Ada Lovelace"] })
        expect(record.services[1]!.config.ACCOUNTS_URL).toBe(accountsUrl)

        const diff = Diff.compare(base, record)
        const row = (aspect: string, subject: string) => diff.rows.find((r) => r.aspect === aspect && r.subject === subject)
        expect(row("service", "component:default/accounts")).toMatchObject({ a: "runs", b: `shared from ${staging}`, same: false })
        expect(row("service", "component:default/reports")).toMatchObject({ a: undefined, b: "runs" })
        expect(row("overlay", "LOG_LEVEL")).toMatchObject({ a: "info", b: undefined, same: false })
        expect(row("telemetry", "mode")).toMatchObject({ same: true })

        const lines = yield* Environments.logs(preview, "reports", { lines: 5 }).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray))
        expect(lines.join("\n")).toContain("reports listening on")

        // Not yet expired: reap leaves it; an hour later it is gone, and staging (not a preview) stays.
        expect(yield* Environments.reap()).toEqual([])
        const reaped = yield* Environments.reap({ now: Date.now() + 2 * 3_600_000 })
        expect(reaped).toEqual([preview])
        expect(processesOf(preview)).toEqual([])
        expect(yield* Effect.promise(() => listening(record.services[1]!.port!))).toBe(false)
        expect((yield* Environments.list).map((l) => l.record.name)).toEqual([staging])
        yield* Environments.down(staging)
        expect(processesOf(staging)).toEqual([])
        expect(yield* Environments.list).toEqual([])
      }).pipe(Effect.provide(layers(dir)))
    }).pipe(Effect.scoped), 60_000)

  it.live("a failed up leaves nothing even when the caller ignores the failure", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("paved-envs-ignored-")
      yield* Effect.gen(function*() {
        const catalog = yield* loadShop
        const name = envName("ignored")
        const directory = path.join(dir, "envs", name)
        const ports: Array<number> = []
        // The caller's scope closes successfully: only up's own failure handling can clean up.
        yield* Effect.scoped(Environments.up({
          name,
          catalog,
          services: ["accounts"],
          directory,
          readyTimeout: "1 millis",
          onProgress: (p) => Effect.sync(() => ports.push(...[/port (\d+)/.exec(p.detail)?.[1]].filter((x) => x !== undefined).map(Number)))
        }).pipe(Effect.ignore))
        expect(ports).toHaveLength(1)
        expect(processesOf(name)).toEqual([])
        expect(yield* Effect.promise(() => listening(ports[0]!))).toBe(false)
        expect(fs.existsSync(directory)).toBe(false)
        expect(yield* Environments.list).toEqual([])
      }).pipe(Effect.provide(layers(dir)))
    }).pipe(Effect.scoped), 60_000)

  it.live("a resource that cannot be provisioned fails up with the reason and leaves nothing", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("paved-envs-noprov-")
      yield* Effect.gen(function*() {
        const catalog = yield* loadShop
        const name = envName("noprov")
        const directory = path.join(dir, "envs", name)
        const error = yield* Effect.flip(Effect.scoped(Environments.up({ name, catalog, services: ["orders"], directory })))
        expect(error.message).toContain(`environment "${name}": provisioning orders.db failed`)
        expect(processesOf(name)).toEqual([])
        expect(fs.existsSync(directory)).toBe(false)
        expect(yield* Environments.list).toEqual([])
      }).pipe(Effect.provide(Layer.mergeAll(
        EnvStore.layerSqlite({ filename: path.join(dir, "paved.db") }),
        // Nothing listens on port 1: every PostgreSQL operation fails at once.
        Provisioner.layerLocal({ dir, postgres: "postgres://postgres@127.0.0.1:1/postgres" })
      )))
    }).pipe(Effect.scoped), 60_000)

  it.live("upWithProgress streams the progress of up and then ends", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("paved-envs-stream-")
      yield* Effect.gen(function*() {
        const catalog = yield* loadShop
        const name = envName("stream")
        const { progress, result } = yield* Effect.scoped(Effect.gen(function*() {
          const run = yield* Environments.upWithProgress({ name, catalog, services: ["accounts"], directory: path.join(dir, "envs", name) })
          const progress = yield* Stream.runCollect(run.progress).pipe(Effect.map(Chunk.toReadonlyArray))
          return { progress, result: yield* run.result }
        }))
        expect(progress.map((p) => p.phase)).toEqual(["plan", "start", "start", "ready"])
        expect(result.status).toBe("ready")
        yield* Environments.down(name)
        expect(processesOf(name)).toEqual([])
      }).pipe(Effect.provide(layers(dir)))
    }).pipe(Effect.scoped), 60_000)

  it.live("down refuses to kill a recorded pid that is no longer ours, and still removes the environment", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("paved-envs-pid-")
      yield* Effect.gen(function*() {
        const catalog = yield* loadShop
        const name = envName("pid")
        const record = yield* Effect.scoped(Environments.up({ name, catalog, services: ["accounts"], directory: path.join(dir, "envs", name) }))
        const store = yield* EnvStore.EnvStore
        const stored = (yield* store.get(name))!
        // Pretend the OS recycled the recorded pid: point the record at this test process with a
        // wrong start time. down must not signal it (the test would die) and must still stop the
        // real service through its instance marker.
        yield* store.save({
          instance: stored.instance,
          record: { ...record, services: record.services.map((s) => ({ ...s, pid: process.pid, pgid: process.pid, startTime: "1" })) }
        })
        yield* Environments.down(name)
        expect(processesOf(name)).toEqual([])
        expect(yield* Effect.promise(() => listening(record.services[0]!.port!))).toBe(false)
      }).pipe(Effect.provide(layers(dir)))
    }).pipe(Effect.scoped), 60_000)

  it.live("a foreground environment (detach: false) with an in-process receiver lives exactly as long as its scope", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("paved-envs-fg-")
      yield* Effect.gen(function*() {
        const catalog = yield* loadShop
        const spans = yield* SpanStore.SpanStore
        const name = envName("fg")
        const directory = path.join(dir, "envs", name)
        const port = yield* Effect.scoped(Effect.gen(function*() {
          const record = yield* Environments.up({
            name,
            type: "development",
            catalog,
            services: ["reports"],
            detach: false,
            directory,
            telemetry: { _tag: "InProcess", serve: Receiver.serve({ port: 0, store: spans }) }
          })
          expect(record.telemetry.mode).toBe("embedded")
          const reports = record.services.find((s) => s.name === "reports")!
          expect((yield* getJson(`${reports.url}/report`)).status).toBe(200)
          let seen = false
          for (let i = 0; i < 100 && !seen; i++) {
            yield* Effect.sleep("100 millis")
            seen = (yield* spans.searchTraces({ service: "reports", since: "10 minutes" })).length > 0
          }
          expect(seen).toBe(true)
          return reports.port!
        }))
        expect(processesOf(name)).toEqual([])
        expect(yield* Effect.promise(() => listening(port))).toBe(false)
        expect(fs.existsSync(directory)).toBe(false)
        expect(yield* Environments.list).toEqual([])
      }).pipe(Effect.provide(layers(dir)))
    }).pipe(Effect.scoped), 60_000)
})
