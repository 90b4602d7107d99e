/**
 * Runs every `*.bench.ts` in this folder, each in its own `tsx` process (so one bench's heap
 * never skews another's RSS), with the `@paved/source` condition so the benches run on `src/`.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))
const only = process.argv.slice(2)
const benches = fs.readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()
let failed = 0
for (const bench of benches) {
  process.stderr.write(`# ${bench}\n`)
  const result = spawnSync(process.execPath, ["--import", "tsx", "--conditions=@paved/source", path.join(here, bench)], {
    stdio: "inherit",
    cwd: path.resolve(here, "..")
  })
  if (result.status !== 0) failed++
}
process.exitCode = failed === 0 ? 0 : 1
