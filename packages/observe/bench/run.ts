/**
 * Runs every `*.bench.ts` in this directory in turn, each in its own process with the
 * `@paved/source` condition, so the numbers come from the code as written.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))
let failed = false
for (const file of fs.readdirSync(here).filter((f) => f.endsWith(".bench.ts")).sort()) {
  const result = spawnSync("npx", ["tsx", "--conditions=@paved/source", path.join(here, file)], { stdio: "inherit" })
  if (result.status !== 0) failed = true
}
process.exitCode = failed ? 1 : 0
