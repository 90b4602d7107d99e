import { afterAll, describe, expect, it } from "@effect/vitest"
import { SecretBox, StateStore } from "@paved/provision"
import { Effect, Either, Layer, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { serverAvailable } from "../../../testing/servers.js"
import { unique } from "./fixtures.js"

const settings = {
  class: "default", size: "small", version: "16", region: "local", backup: false, encryption: false,
  deletionProtection: false, multiAz: false, ttlHours: undefined
}

const conformance = (name: string, layer: Layer.Layer<StateStore.StateStore, unknown>) =>
  it.layer(layer)(`state store: ${name}`, (it) => {
    it.effect("records intent, readiness, deletion and a journal", () =>
      Effect.gen(function*() {
        const store = yield* StateStore.StateStore
        const env = unique("env")
        yield* store.begin({
          env, key: "db", type: "postgres", class: "default", name: "n", settings, tags: { owner: "o" }, params: { a: 1 },
          status: "creating", sealedPassword: "sealed"
        })
        expect((yield* store.list(env)).map((r) => r.status)).toEqual(["creating"])
        yield* store.ready(env, "db", "outputs")
        const [row] = yield* store.list(env)
        expect(row).toMatchObject({ status: "ready", sealedOutputs: "outputs", tags: { owner: "o" }, params: { a: 1 } })
        expect(yield* store.environments()).toContain(env)
        yield* store.journal({ env, resource: "db", action: "create", phase: "started", detail: "" })
        yield* store.journal({ env, resource: "db", action: "create", phase: "completed", detail: "" })
        expect((yield* store.history(env)).map((e) => e.phase)).toEqual(["started", "completed"])
        yield* store.forget(env, "db")
        expect(yield* store.list(env)).toEqual([])
      }))
  })

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-state-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
conformance("SQLite", StateStore.layerSqlite({ filename: path.join(dir, "paved.db") }))
if (serverAvailable("postgresql")) conformance("PostgreSQL", StateStore.layerPg({ url: "postgres://postgres@127.0.0.1:5432/postgres" }))

describe("secret box", () => {
  it.effect("seals with AES-256-GCM under a generated 0600 key file, and refuses another key", () =>
    Effect.gen(function*() {
      const keyDir = path.join(dir, "keys")
      const saved = process.env["PAVED_SECRET_KEY"]
      delete process.env["PAVED_SECRET_KEY"]
      const box = SecretBox.fromKey(yield* SecretBox.loadKey(keyDir))
      expect(fs.statSync(path.join(keyDir, "secret.key")).mode & 0o777).toBe(0o600)
      const sealed = box.seal(Redacted.make("hunter2"))
      expect(sealed).not.toContain("hunter2")
      expect(Redacted.value(yield* box.open(sealed))).toBe("hunter2")
      process.env["PAVED_SECRET_KEY"] = "ab".repeat(32)
      const other = SecretBox.fromKey(yield* SecretBox.loadKey(keyDir))
      const opened = yield* Effect.either(other.open(sealed))
      expect(Either.isLeft(opened) && opened.left.message).toContain("does not decrypt")
      process.env["PAVED_SECRET_KEY"] = "short"
      expect(Either.isLeft(yield* Effect.either(SecretBox.loadKey(keyDir)))).toBe(true)
      if (saved === undefined) delete process.env["PAVED_SECRET_KEY"]
      else process.env["PAVED_SECRET_KEY"] = saved
    }))
})
