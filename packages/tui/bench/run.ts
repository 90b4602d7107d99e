/**
 * Runs every `*.bench.ts` of this package in turn, each in its own process.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))
let failed = false
for (const file of fs.readdirSync(here).filter((f) => f.endsWith(".bench.ts")).sort()) {
  const run = spawnSync(process.execPath, ["--import", "tsx", "--conditions=@paved/source", path.join(here, file)], { stdio: "inherit" })
  if (run.status !== 0) failed = true
}
process.exitCode = failed ? 1 : 0
