/**
 * Test support: the shared conformance data (`../shared/conformance` beside the checkout), which
 * a bare clone does not have.
 *
 * A suite over that data calls `conformanceAvailable("backstage")` at load time and gives the
 * result to `describe.runIf`. Without the data the suite is skipped with a line that says so and
 * where the data is expected; in CI (`PAVED_REQUIRE_CONFORMANCE=1`) its absence fails the run,
 * so a green CI always means the suites over real-world files ran. Every other suite uses the
 * project's own fixtures (`examples/demo-org`, `packages/<pkg>/test/fixtures`).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")

/** The folder holding the shared conformance data: `../shared/conformance` beside the checkout. */
export const conformanceRoot = path.resolve(repoRoot, "../shared/conformance")

/** A data set of the shared conformance folder. */
export type ConformanceSet = "backstage" | "score" | "realworld"

/** The path of one data set (whether or not it exists). */
export const conformancePath = (set: ConformanceSet): string => path.join(conformanceRoot, set)

/**
 * Whether the named data set is there. Throws when it is not and the environment requires it
 * (CI); otherwise prints why the suite is skipped.
 */
export const conformanceAvailable = (set: ConformanceSet): boolean => {
  const dir = conformancePath(set)
  if (fs.existsSync(dir)) return true
  const why = `the shared conformance data ${dir} is not there (it sits beside the checkout, in shared/conformance/${set})`
  if (process.env.PAVED_REQUIRE_CONFORMANCE === "1") throw new Error(`PAVED_REQUIRE_CONFORMANCE=1 but ${why}`)
  console.warn(`[paved tests] not run: the ${set} conformance suite: ${why}`)
  return false
}
