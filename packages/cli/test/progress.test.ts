/**
 * Progress of long work (issue 18 item 8), end to end on the BUILT binary: on a terminal
 * (node-pty, read through @xterm/headless as a person would see it) `paved catalog ingest` of a
 * 300-file directory and `paved golden check` over several services draw a progress line with
 * counts and the current item, rewritten in place, then a summary with the time taken; through
 * pipes stderr carries no progress at all.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import xterm from "@xterm/headless"
import * as pty from "node-pty"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { pavedBin, runPaved } from "../../../testing/cli.js"

interface TtyRun {
  readonly code: number
  /** Everything written to the terminal, escape sequences included. */
  readonly raw: string
  /** The screen's lines once the program exited. */
  readonly screen: ReadonlyArray<string>
}

/** Runs `paved ARGS` in a 120x40 pseudo-terminal to completion. */
const runTty = (args: ReadonlyArray<string>, cwd: string, extraEnv: Record<string, string> = {}): Promise<TtyRun> => {
  const cols = 120
  const rows = 40
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true, scrollback: 1000 })
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== "CI" && k !== "NO_COLOR") env[k] = v
  const child = pty.spawn(process.execPath, [pavedBin, ...args], { name: "xterm-256color", cols, rows, cwd, env: { ...env, ...extraEnv, TERM: "xterm-256color" } })
  let raw = ""
  child.onData((d) => {
    raw += d
    term.write(d)
  })
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill(), 120_000)
    child.onExit(({ exitCode }) => {
      clearTimeout(timer)
      // Let xterm finish parsing what has arrived before reading the screen.
      term.write("", () => {
        const buffer = term.buffer.active
        const screen: Array<string> = []
        for (let i = 0; i < buffer.length; i++) screen.push(buffer.getLine(i)?.translateToString(true) ?? "")
        term.dispose()
        resolve({ code: exitCode, raw, screen: screen.filter((l) => l.length > 0) })
      })
    })
  })
}

const shop = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../envs/test/fixtures/shop")
const suffix = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`

let tmp: string
let catalogDir: string
let servicesDir: string
const FILES = 300

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "paved-progress-"))
  // 300 catalog files, one per directory, as a repository of services lays them out.
  catalogDir = path.join(tmp, "catalog")
  fs.mkdirSync(path.join(catalogDir, "org"), { recursive: true })
  fs.writeFileSync(path.join(catalogDir, "org", "team.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n")
  for (let i = 1; i < FILES; i++) {
    const dir = path.join(catalogDir, `svc-${String(i).padStart(3, "0")}`)
    fs.mkdirSync(dir)
    fs.writeFileSync(
      path.join(dir, "catalog-info.yaml"),
      `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-${i}\nspec:\n  type: service\n  lifecycle: production\n  owner: group:default/team-a\n`
    )
  }
  // Several services made from the built-in template: one made by paved, then copies of it.
  servicesDir = path.join(tmp, "services")
  fs.mkdirSync(servicesDir)
  const created = await runPaved(["golden", "new", "node-http-service", "--param", "name=svc-a", "--out", path.join(servicesDir, "svc-a")], { cwd: tmp })
  expect(created.code, created.stderr).toBe(0)
  for (const name of ["svc-b", "svc-c", "svc-d", "svc-e"]) fs.cpSync(path.join(servicesDir, "svc-a"), path.join(servicesDir, name), { recursive: true })
}, 120_000)

afterAll(async () => {
  // Whatever a failed assertion left behind.
  for (const name of [`prog-tty-${suffix}`, `prog-pipe-${suffix}`]) await runPaved(["env", "down", name, "--yes", "--db", path.join(tmp, "env.db")], { cwd: tmp })
  fs.rmSync(tmp, { recursive: true, force: true })
}, 120_000)

describe("progress on a terminal", () => {
  it("catalog ingest of 300 files: files read of the total, entities validated, the current file, then a summary with the time", async () => {
    const run = await runTty(["catalog", "ingest", catalogDir, "--db", path.join(tmp, "tty.db")], tmp)
    expect(run.code, run.raw).toBe(0)
    // The line is redrawn in place (carriage return, erase line) with counts and the current file.
    // eslint-disable-next-line no-control-regex
    expect(run.raw).toMatch(/\r\u001b\[2Kpaved catalog ingest \[\d+\/300\] \d+ entit(y|ies) validated · catalog\/(svc-\d{3}\/catalog-info\.yaml|org\/team\.yaml)/)
    expect(run.raw).toContain("paved catalog ingest [300/300] 300 entities validated")
    expect(run.raw).toContain("writing 300 entities (0 unchanged)")
    // The summary replaces the progress line; no progress line is left on the screen.
    const summary = run.screen.filter((l) => l.startsWith("paved catalog ingest"))
    expect(summary).toHaveLength(1)
    expect(summary[0]).toMatch(/^paved catalog ingest: 300 files read, 300 entities validated, 300 written, 0 unchanged in \d+\.\d s$/)
    expect(run.screen.some((l) => /300 created, 0 updated, 0 unchanged/.test(l))).toBe(true)

    // Again: nothing to write, and the summary says so.
    const again = await runTty(["catalog", "ingest", catalogDir, "--db", path.join(tmp, "tty.db")], tmp)
    expect(again.code, again.raw).toBe(0)
    expect(again.screen.filter((l) => l.startsWith("paved catalog ingest"))).toEqual([
      expect.stringMatching(/^paved catalog ingest: 300 files read, 300 entities validated, 0 written, 300 unchanged in \d+\.\d s$/)
    ])
  }, 120_000)

  it("golden check over five services: services checked of the total, the current one, then a summary with the time", async () => {
    const run = await runTty(["golden", "check", servicesDir], tmp)
    expect(run.code, run.raw).toBe(0)
    // eslint-disable-next-line no-control-regex
    expect(run.raw).toMatch(/\r\u001b\[2Kpaved golden check \[\d\/5\] .*services\/svc-[a-e]/)
    expect(run.raw).toContain("paved golden check [5/5]")
    const summary = run.screen.filter((l) => l.startsWith("paved golden check"))
    expect(summary).toEqual([expect.stringMatching(/^paved golden check: 5 services checked, 0 with drift, 0 behind the latest template in \d+\.\d s$/)])
    // The table follows the summary on its own lines.
    expect(run.screen.filter((l) => /svc-[a-e]\s+node-http-service/.test(l))).toHaveLength(5)
  }, 120_000)
  it("env up: services and resources started of those planned, the current step, then the summary with the time", async () => {
    const name = `prog-tty-${suffix}`
    const args = ["env", "up", name, "--catalog", shop, "--repo", shop, "--services", "accounts", "--type", "staging", "--no-telemetry", "--db", path.join(tmp, "env.db")]
    const run = await runTty(args, tmp, { PAVED_DB_URL: "" })
    try {
      expect(run.code, run.raw).toBe(0)
      // eslint-disable-next-line no-control-regex
      expect(run.raw).toMatch(/\r\u001b\[2Kpaved env up \[1\/1\] start component:default\/accounts: /)
      const summary = run.screen.filter((l) => l.startsWith("paved env up"))
      expect(summary).toEqual([expect.stringMatching(/^paved env up: 1 services? ready, 0 shared, 0 resources in \d+\.\d s$/)])
      // The plain [phase] lines are for logs, not for a terminal.
      expect(run.raw).not.toContain("[start]")
      // The table of services follows the summary.
      expect(run.screen.some((l) => /^component:default\/accounts\s+\S+\s+http:/.test(l)), run.screen.join("\n")).toBe(true)
    } finally {
      const down = await runPaved(["env", "down", name, "--yes", "--db", path.join(tmp, "env.db")], { cwd: tmp, env: { PAVED_DB_URL: "" } })
      expect(down.code, down.stderr).toBe(0)
    }
  }, 120_000)
})

describe("no progress without a terminal", () => {
  const progressFree = (stderr: string) => {
    expect(stderr).not.toContain("\r")
    expect(stderr).not.toContain("\u001b[2K")
    expect(stderr).not.toMatch(/paved (catalog ingest|golden check)[: ]/)
  }

  it("catalog ingest through pipes: stderr has no progress line and no summary", async () => {
    const run = await runPaved(["catalog", "ingest", catalogDir, "--db", path.join(tmp, "pipe.db")], { cwd: tmp })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/300 created/)
    progressFree(run.stderr)
    expect(run.stderr).toBe("")
  }, 120_000)

  it("env up through pipes: the plain [phase] lines as before, no progress line and no summary", async () => {
    const name = `prog-pipe-${suffix}`
    const run = await runPaved(["env", "up", name, "--catalog", shop, "--repo", shop, "--services", "accounts", "--type", "staging", "--no-telemetry", "--db", path.join(tmp, "env.db")], { cwd: tmp, env: { PAVED_DB_URL: "" } })
    try {
      expect(run.code, run.stderr).toBe(0)
      expect(run.stderr).toMatch(/^\[start\] component:default\/accounts: /m)
      expect(run.stderr).toMatch(/^\[ready\] /m)
      expect(run.stderr).not.toContain("\r")
      expect(run.stderr).not.toContain("paved env up")
    } finally {
      await runPaved(["env", "down", name, "--yes", "--db", path.join(tmp, "env.db")], { cwd: tmp, env: { PAVED_DB_URL: "" } })
    }
  }, 120_000)

  it("golden check through pipes: stderr has no progress line and no summary", async () => {
    const run = await runPaved(["golden", "check", servicesDir], { cwd: tmp })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/svc-e\s+node-http-service/)
    progressFree(run.stderr)
    expect(run.stderr).toBe("")
  }, 120_000)
})
