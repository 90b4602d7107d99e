import { afterAll, describe, expect, it } from "@effect/vitest"
import { Environment, Environments, EnvStore } from "@paved/envs"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-envs-down-local-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe("Environments.downLocal", () => {
  it.layer(EnvStore.layerSqlite({ filename: path.join(dir, "paved.db") }))((it) => {
    it.effect("says which environment does not exist, and changes nothing", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Environments.downLocal("nope"))
        expect(error).toBeInstanceOf(Environment.EnvironmentConflict)
        expect(error.message).toBe(`environment "nope" does not exist; \`paved env list\` shows the recorded ones`)
        expect(yield* (yield* EnvStore.EnvStore).list).toEqual([])
      }))
  })
})
