/**
 * Attack of the security review (defect 8): an `environment` resource copied any variable of the
 * provisioner's own environment, `PAVED_SECRET_KEY` included, into plain outputs: printed by
 * apply without --reveal and stored in clear. Here a real apply reads a fake live key: it must be
 * `Redacted` in apply's and outputs' results, absent from any JSON of them and from the state
 * database's bytes; asking for a `PAVED_*` variable is refused with a message that says why.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Provision, Provisioner, Request, Standards } from "@paved/provision"
import { Effect, Either, ManagedRuntime, Redacted } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { makeRuntime, unique } from "./fixtures.js"

describe("environment resources keep host variables secret", () => {
  const rt = makeRuntime()
  const env = unique("e")
  const variable = `APP_STRIPE_KEY_${unique("v").toUpperCase()}`
  const value = `sk_live_FAKE_${unique("s")}`
  afterAll(async () => {
    delete process.env[variable]
    await rt.run(Provision.destroy(env)).catch(() => undefined)
    await rt.dispose()
  })
  const target = (fromEnvironment: ReadonlyArray<string>): Provision.Target => ({
    env,
    envType: "development",
    requests: [Request.make({ key: "svc.ext", type: "environment", params: { LOG_LEVEL: "debug", fromEnvironment } })]
  })

  it("redacts every fromEnvironment value in apply and outputs, and never stores it in clear", async () => {
    process.env[variable] = value
    const applied = await rt.run(Provision.apply(target([variable])))
    const ext = applied.outputs["svc.ext"]!
    expect(Redacted.isRedacted(ext[variable])).toBe(true)
    expect(ext["LOG_LEVEL"]).toBe("debug")
    const stored = await rt.run(Provision.outputs(env))
    expect(Redacted.isRedacted(stored["svc.ext"]![variable])).toBe(true)
    // What `paved provision apply/outputs --format json` would serialise without --reveal.
    expect(JSON.stringify(applied)).not.toContain(value)
    expect(JSON.stringify(stored)).not.toContain(value)
    expect(String(ext[variable])).not.toContain(value)
    // Only an explicit reveal shows it.
    expect(Provision.reveal(stored)["svc.ext"]![variable]).toBe(value)
    // The state database (and its write-ahead log) holds the outputs sealed.
    for (const file of ["paved.db", "paved.db-wal"].map((f) => path.join(rt.dir, f))) {
      if (fs.existsSync(file)) expect(fs.readFileSync(file).includes(Buffer.from(value)), file).toBe(false)
    }
  })

  it("refuses PAVED_* variables at plan time, naming the resource and what to do", async () => {
    process.env["PAVED_SECRET_KEY_FAKE_FOR_TEST"] = "never"
    for (const name of ["PAVED_SECRET_KEY", "PAVED_POSTGRES_URL", "paved_secret_key", "PAVED_SECRET_KEY_FAKE_FOR_TEST"]) {
      const result = await rt.run(Effect.either(Provision.apply(target([variable, name]))))
      expect(Either.isLeft(result) && result.left._tag).toBe("ProblemsFound")
      const message = Either.isLeft(result) ? result.left.message : ""
      expect(message).toContain("provision/paved-variable")
      expect(message).toContain(`resource svc.ext asks for ${name}`)
      expect(message).toMatch(/never given to a workload; remove it/)
    }
    delete process.env["PAVED_SECRET_KEY_FAKE_FOR_TEST"]
  })

  it("refuses PAVED_* variables in the provisioner too (paved env up calls it without a plan)", async () => {
    const runtime = ManagedRuntime.make(Provisioner.layerLocal({ dir: path.join(rt.dir, "direct") }))
    try {
      const p = await runtime.runPromise(Provisioner.Provisioner)
      const request = Request.make({ key: "svc.ext", type: "environment", params: { fromEnvironment: ["PAVED_SECRET_KEY"] } })
      const instance: Provisioner.Instance = {
        env, key: request.key, type: request.type, name: Standards.defaultNaming(env, request.key, request.type),
        settings: Standards.applyDefaults(Standards.defaultStandards.development, env, request).settings,
        tags: {}, params: request.params, password: Redacted.make("unused")
      }
      const result = await runtime.runPromise(Effect.either(p.ensure(instance, () => Effect.void)))
      expect(Either.isLeft(result) && result.left.message).toMatch(/asks for PAVED_SECRET_KEY .*never given to a workload/)
    } finally {
      await runtime.dispose()
    }
  })
})
