import { Provision, Request } from "@paved/provision"
import type { Standards } from "@paved/provision"
import type { Effect } from "effect"
import { ManagedRuntime } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

/** A temporary `.paved` directory with the local backend on the test servers. */
export const makeRuntime = (options: { readonly postgres?: string } = {}) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-provision-"))
  const layer = Provision.layerLocal({ dir, postgres: options.postgres ?? "postgres://postgres@127.0.0.1:5432/postgres" })
  const runtime = ManagedRuntime.make(layer)
  return {
    dir,
    run: <A, E>(effect: Effect.Effect<A, E, Provision.Requirements>) => runtime.runPromise(effect),
    dispose: async () => {
      await runtime.dispose()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** Requests one resource of a type in an environment, tagged so every standard passes. */
export const one = (env: string, type: string, key = "res", envType: Standards.EnvType = "development"): Provision.Target => ({
  env,
  envType,
  requests: [Request.make({ key, type, tags: { owner: "group:default/team", system: "shop", "cost-centre": "cc-1" } })]
})

export const unique = (prefix: string) => `${prefix}${process.pid}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
