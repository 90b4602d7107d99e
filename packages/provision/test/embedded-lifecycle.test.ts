import { describe, expect, it } from "@effect/vitest"
import { EmbeddedPostgres } from "@paved/provision"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, "../../..")

const postmasterPid = (dataDir: string): number | undefined => {
  try {
    return Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0])
  } catch {
    return undefined
  }
}
const alive = (pid: number) => {
  try {
    const state = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0]
    return state !== undefined && state !== "Z"
  } catch {
    return false
  }
}

// A `paved` command that holds the embedded server and is SIGKILLed: the server is orphaned.
const orphanServer = (dataDir: string) =>
  new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [
      path.join(repoRoot, "node_modules/tsx/dist/cli.mjs"), "--conditions=@paved/source", path.join(here, "embedded-child.ts"), dataDir
    ], { stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    let err = ""
    child.stderr.on("data", (c: Buffer) => (err += c.toString()))
    child.once("exit", (code) => {
      if (!out.includes("ready")) reject(new Error(`the child exited (${code}) before the server was ready: ${out}${err}`))
    })
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString()
      if (out.includes("ready")) {
        // tsx runs the script in a child node process: that one (the server's parent) is the
        // command to kill, as a SIGKILL of `paved` would.
        const postmaster = postmasterPid(dataDir)!
        const owner = Number(fs.readFileSync(`/proc/${postmaster}/stat`, "utf8").split(") ")[1]!.split(" ")[1])
        process.kill(owner, "SIGKILL")
        child.kill("SIGKILL")
        // A SIGKILLed process takes a moment to exit on a busy machine; until it has, it still
        // owns the server (and a start would rightly connect to it).
        child.once("exit", async () => {
          for (let i = 0; i < 500 && alive(owner); i++) await new Promise((r) => setTimeout(r, 10))
          resolve()
        })
      } else if (out.includes("failed")) reject(new Error(out))
    })
  })

describe("embedded PostgreSQL lifecycle", () => {
  it("a server orphaned by a SIGKILLed command is adopted and stopped, not collided with (defect 11)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-orphan-"))
    fs.chmodSync(dir, 0o755)
    const dataDir = path.join(dir, "data")
    try {
      await orphanServer(dataDir)
      const orphan = postmasterPid(dataDir)!
      expect(alive(orphan)).toBe(true)
      const running = await Effect.runPromise(Effect.scoped(EmbeddedPostgres.start({ dataDir }).pipe(
        Effect.tap(() => Effect.sync(() => expect(alive(orphan)).toBe(false)))
      )))
      expect(running.port).toBeGreaterThan(0)
      // The scope closed: no server of this data directory is left listening.
      const after = postmasterPid(dataDir)
      expect(after === undefined || !alive(after)).toBe(true)
    } finally {
      const left = postmasterPid(dataDir)
      if (left !== undefined && alive(left)) process.kill(left, "SIGKILL")
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 180_000)

  it("a start that fails says why, never 'undefined' (defect 11)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-badstart-"))
    fs.chmodSync(dir, 0o755)
    const dataDir = path.join(dir, "data")
    try {
      await Effect.runPromise(Effect.scoped(EmbeddedPostgres.start({ dataDir })))
      // A broken configuration: the server exits at once with a message of its own.
      fs.appendFileSync(path.join(dataDir, "postgresql.conf"), "\nshared_buffers = 'lots'\n")
      const error = await Effect.runPromise(Effect.flip(Effect.scoped(EmbeddedPostgres.start({ dataDir }))))
      expect(error.message).not.toContain("undefined")
      expect(error.message).toMatch(/shared_buffers/)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 180_000)

  it("the superuser password is never in a file others can read, even during initdb (defect 12)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-pwfile-"))
    fs.chmodSync(dir, 0o755)
    const templateDir = path.join(dir, "template")
    // A password file an interrupted initdb left behind.
    const stale = path.join(dir, ".template.pwfile-0badc0ffee00")
    fs.writeFileSync(stale, "old\n", { mode: 0o600 })
    const watched = [os.tmpdir(), dir]
    const readable = new Map<string, number>()
    const before = new Set(fs.readdirSync(os.tmpdir()))
    const watcher = setInterval(() => {
      for (const d of watched) {
        for (const name of fs.readdirSync(d)) {
          if (d === os.tmpdir() && before.has(name)) continue
          if (!/pg-password|pwfile|\.password$/.test(name)) continue
          try {
            const mode = fs.statSync(path.join(d, name)).mode & 0o777
            if ((mode & 0o077) !== 0) readable.set(path.join(d, name), mode)
          } catch {
            // Removed between the listing and the stat.
          }
        }
      }
    }, 2)
    try {
      const running = await Effect.runPromise(Effect.scoped(EmbeddedPostgres.start({ dataDir: path.join(dir, "data"), templateDir })))
      expect(running.timings.initialisedFrom).toBe("initdb")
    } finally {
      clearInterval(watcher)
    }
    try {
      expect([...readable].map(([f, m]) => `${f} ${m.toString(8)}`)).toEqual([])
      expect(fs.existsSync(stale)).toBe(false)
      const leftovers = fs.readdirSync(os.tmpdir()).filter((n) => !before.has(n) && n.startsWith("pg-password-"))
      expect(leftovers).toEqual([])
      for (const f of [`${templateDir}.password`, path.join(dir, "data.password")]) {
        expect(fs.statSync(f).mode & 0o077).toBe(0)
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 180_000)
})
