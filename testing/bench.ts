/**
 * `npm run bench -w @paved/<pkg>`: runs every `bench/*.bench.ts` of the package, each in its own
 * `tsx` process (so one bench's heap never skews another's RSS), with the `@paved/source`
 * condition so the benches measure `src/` as written. Arguments select benches by name.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"

const dir = path.resolve(process.cwd(), "bench")
const only = process.argv.slice(2)
const benches = fs.readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()
let failed = 0
for (const bench of benches) {
  process.stderr.write(`# ${bench}\n`)
  const result = spawnSync(process.execPath, ["--import", "tsx", "--conditions=@paved/source", path.join(dir, bench)], {
    stdio: "inherit",
    cwd: process.cwd()
  })
  if (result.status !== 0) failed++
}
process.exitCode = failed === 0 ? 0 : 1
