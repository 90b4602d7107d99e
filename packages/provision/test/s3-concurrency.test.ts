// Defect 14 of the security review: two applies sharing a .paved directory read, changed and
// wrote credentials.json without a lock, so one could drop the other's access keys.
import { describe, expect, it } from "@effect/vitest"
import { Provision, S3Endpoint } from "@paved/provision"
import { ManagedRuntime } from "effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { unique } from "./fixtures.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, "../../..")

const applyInChild = (dir: string, env: string, count: number) =>
  new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [
      path.join(repoRoot, "node_modules/tsx/dist/cli.mjs"), "--conditions=@paved/source", path.join(here, "s3-apply-child.ts"), dir, env, String(count)
    ], { stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (d: Buffer) => (output += d.toString()))
    child.stderr.on("data", (d: Buffer) => (output += d.toString()))
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`apply of ${env} exited with ${code}: ${output}`))))
  })

describe("S3 endpoint: concurrent applies", () => {
  it("keeps all 60 access keys when two processes each apply 30 buckets at once, round after round", async () => {
    for (let round = 0; round < 3; round++) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-s3-race-"))
      const [r1, r2] = [unique("ra"), unique("rb")]
      try {
        // The state database and key file exist before the race, as in a project already in
        // use: this test is about the S3 grants, not about two processes creating .paved.
        const init = ManagedRuntime.make(Provision.layerLocal({ dir }))
        await init.runPromise(Provision.outputs(r1))
        await init.dispose()
        await Promise.all([applyInChild(dir, r1, 30), applyInChild(dir, r2, 30)])
        const grants = S3Endpoint.readGrants(path.join(dir, "s3"))
        expect(grants, `round ${round}`).toHaveLength(60)
        expect(new Set(grants.map((g) => g.bucket)).size).toBe(60)
        expect(fs.existsSync(path.join(dir, "s3", "credentials.lock"))).toBe(false)
        const rt = ManagedRuntime.make(Provision.layerLocal({ dir }))
        try {
          expect(await rt.runPromise(Provision.drift(r1)), `round ${round}`).toEqual([])
          expect(await rt.runPromise(Provision.drift(r2)), `round ${round}`).toEqual([])
        } finally {
          await rt.dispose()
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    }
  }, 240_000)
})
