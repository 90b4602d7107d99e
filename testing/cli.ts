/**
 * Test support: run the built `paved` binary as a user would, and capture what it prints.
 * `npm test` builds every package before the suites run.
 */
import { afterAll } from "@effect/vitest"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** The path of the built `paved` executable. */
export const pavedBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../packages/cli/dist/bin.js")

/**
 * A scratch directory for a test file (removed after its suites) and how to write a file in it:
 * `write("catalog/catalog-info.yaml", text)` creates the directories and returns the path.
 */
export const workspace = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
  const write = (name: string, text: string): string => {
    const file = path.join(dir, name)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, text)
    return file
  }
  return { dir, write }
}

/** What one run of `paved` did. */
export interface PavedRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `paved ARGS...` to completion (killed after `timeoutMs`). */
export const runPaved = (
  args: ReadonlyArray<string>,
  options: { readonly cwd?: string; readonly env?: Record<string, string>; readonly timeoutMs?: number; readonly input?: string } = {}
): Promise<PavedRun> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [pavedBin, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      stdio: ["pipe", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000)
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.end(options.input ?? "")
  })
