import { describe, expect, it } from "@effect/vitest"
import * as ProcessIdentity from "@paved/provision/ProcessIdentity"
import { spawn } from "node:child_process"
import { once } from "node:events"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

describe.skipIf(process.platform !== "linux")("ProcessIdentity (Linux /proc)", () => {
  it("reads a process whose name holds spaces and parens, and tells a zombie and a recycled pid from it", async () => {
    // The kernel names a process after the file it runs: "a) (b c" must not shift the stat fields.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-pid-"))
    const hostile = path.join(dir, "a) (b c")
    fs.symlinkSync(fs.realpathSync("/bin/sleep"), hostile)
    const child = spawn(hostile, ["30"], { detached: true, stdio: "ignore" })
    await once(child, "spawn")
    const pid = child.pid!
    expect(fs.readFileSync(`/proc/${pid}/stat`, "utf8")).toContain("(a) (b c)")
    const stat = ProcessIdentity.stat(pid)
    expect(stat?.pgid).toBe(pid)
    expect(stat?.startTime).toMatch(/^\d+$/)
    expect(ProcessIdentity.startTime(pid)).toBe(stat?.startTime)
    expect(ProcessIdentity.alive(pid)).toBe(true)

    // Killed but not yet reaped by its parent: a zombie is not alive.
    child.removeAllListeners()
    const exited = new Promise((resolve) => child.once("exit", resolve))
    process.kill(pid, "SIGKILL")
    for (let i = 0; i < 50 && ProcessIdentity.stat(pid)?.state !== "Z" && ProcessIdentity.stat(pid) !== undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(ProcessIdentity.alive(pid)).toBe(false)
    await exited
    expect(ProcessIdentity.stat(pid)).toBeUndefined()
    expect(ProcessIdentity.startTime(pid)).toBeUndefined()
    expect(ProcessIdentity.alive(pid)).toBe(false)
    // A pid that cannot exist.
    expect(ProcessIdentity.alive(2 ** 22 + 1)).toBe(false)
    fs.rmSync(dir, { recursive: true, force: true })
  })
})
