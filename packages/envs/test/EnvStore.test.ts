import { it } from "@effect/vitest"
import { Environment, EnvStore } from "@paved/envs"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { execFileSync } from "node:child_process"
import * as path from "node:path"
import { describe, expect } from "vitest"
import { serverAvailable, uniqueName } from "../../../testing/servers.js"
import { tempDir } from "./support.js"

const record = (name: string): Environment.EnvironmentRecord => ({
  name,
  type: "preview",
  status: "provisioning",
  createdAt: 1_000,
  expiresAt: 2_000,
  directory: `/tmp/${name}`,
  overlays: { LOG_LEVEL: "debug" },
  changed: ["component:default/orders"],
  provisioner: {},
  telemetry: { mode: "off" },
  services: [],
  resources: []
})

const conformance = (label: string, layer: Layer.Layer<EnvStore.EnvStore, Environment.EnvironmentError>) =>
  it.layer(layer)(label, (it) => {
    it.effect("claims a name once, saves, reads, lists and removes records", () =>
      Effect.gen(function*() {
        const store = yield* EnvStore.EnvStore
        yield* store.claim({ instance: "i-1", record: record("b-env") })
        yield* store.claim({ instance: "i-2", record: record("a-env") })
        const again = yield* Effect.flip(store.claim({ instance: "i-3", record: record("a-env") }))
        expect(again).toBeInstanceOf(Environment.EnvironmentConflict)
        expect(again.message).toContain("exists already")
        yield* store.save({ instance: "i-2", record: { ...record("a-env"), status: "ready" } })
        const got = yield* store.get("a-env")
        expect(got).toEqual({ instance: "i-2", record: { ...record("a-env"), status: "ready" } })
        expect((yield* store.list).map((s) => s.record.name)).toEqual(["a-env", "b-env"])
        yield* store.remove("a-env")
        yield* store.remove("b-env")
        expect(yield* store.get("a-env")).toBeUndefined()
        expect(yield* store.list).toEqual([])
      }))
  })

describe("EnvStore on SQLite", () => {
  it.scoped("keeps state in the file across store instances", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("paved-envs-store-")
      const filename = path.join(dir, "nested", "paved.db")
      yield* Effect.gen(function*() {
        yield* (yield* EnvStore.EnvStore).claim({ instance: "i", record: record("kept") })
      }).pipe(Effect.provide(EnvStore.layerSqlite({ filename })))
      const again = yield* Effect.gen(function*() {
        return yield* (yield* EnvStore.EnvStore).get("kept")
      }).pipe(Effect.provide(EnvStore.layerSqlite({ filename })))
      expect(again?.record.name).toBe("kept")
    }))
  conformance("conformance", EnvStore.layerSqlite({ filename: ":memory:" }))
})

describe.runIf(serverAvailable("postgresql"))("EnvStore on PostgreSQL", () => {
  const database = uniqueName("paved_envs_store")
  const psql = (sql: string) => execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-qAtc", sql])
  const created = Layer.scopedDiscard(Effect.acquireRelease(
    Effect.sync(() => psql(`CREATE DATABASE ${database}`)),
    () => Effect.sync(() => psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`))
  ))
  conformance(
    "conformance",
    EnvStore.layerPg({ url: Redacted.make(`postgres://postgres@127.0.0.1:5432/${database}`) }).pipe(Layer.provide(created))
  )
})
