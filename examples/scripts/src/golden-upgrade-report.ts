/**
 * Golden-path upgrade report: which services are behind their template (from the catalog), and
 * for the checkouts at hand, which template-owned files drifted from what the template renders.
 *
 *   npm run golden-upgrade-report -w @paved/example-scripts -- examples/demo-org --checkouts=services/
 */
import type { FileSystem } from "@effect/platform/FileSystem"
import type { Path } from "@effect/platform/Path"
import { Catalog } from "@paved/catalog"
import { Conformance, Currency, TemplateRegistry } from "@paved/golden"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { isMain, type Outcome, pathFlag, positional, runScript } from "./main.js"

/** The report: catalog-wide currency, and file drift for each checked-out service. */
export interface UpgradeReport {
  readonly behind: ReadonlyArray<{ readonly ref: string; readonly template: string; readonly from: string; readonly to: string }>
  readonly upToDate: number
  readonly checkouts: ReadonlyArray<{ readonly dir: string; readonly version: string; readonly latest: string; readonly driftedFiles: ReadonlyArray<string> }>
}

/** Directories below `root` that record a template (`.paved/template.json`). */
const generatedServices = (root: string): ReadonlyArray<string> =>
  fs.existsSync(root)
    ? fs.readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, d.name, ".paved", "template.json")))
      .map((d) => path.join(root, d.name))
    : []

/** Builds the report for the catalog at `paths` and the generated services under `checkouts`. */
export const goldenUpgradeReport = (
  paths: ReadonlyArray<string>,
  checkouts?: string
): Effect.Effect<Outcome<UpgradeReport>, Conformance.CheckError | TemplateRegistry.TemplateNotFound | TemplateRegistry.RegistryError, FileSystem | Path> =>
  Effect.gen(function*() {
    const { entities } = yield* Catalog.load(paths)
    const currency = yield* Currency.ofEntities(entities.map((e) => e.entity))
    const checks = checkouts === undefined ? [] : yield* Conformance.checkServices(generatedServices(checkouts))
    const report: UpgradeReport = {
      behind: currency.filter((c) => !c.upToDate).map((c) => ({ ref: c.ref, template: c.template, from: c.version, to: c.latest })),
      upToDate: currency.filter((c) => c.upToDate).length,
      checkouts: checks.map((c) => ({ dir: c.dir, version: c.version, latest: c.latest, driftedFiles: c.files.map((f) => f.path) }))
    }
    const text = [
      `${report.upToDate} services on their template's latest version; ${report.behind.length} behind:`,
      ...report.behind.map((b) => `  ${b.ref}: ${b.template} ${b.from} -> ${b.to}  (paved golden update)`),
      ...report.checkouts.map((c) =>
        `  ${c.dir}: ${c.version}/${c.latest}, ${c.driftedFiles.length === 0 ? "no drift" : `drifted: ${c.driftedFiles.join(", ")}`}`
      )
    ].join("\n")
    return { report, text, failed: report.behind.length > 0 || report.checkouts.some((c) => c.driftedFiles.length > 0) }
  }).pipe(Effect.provide(TemplateRegistry.layerBuiltin))

if (isMain(import.meta.url)) runScript(goldenUpgradeReport(positional(), pathFlag("checkouts")), { catalog: positional(), paths: [pathFlag("checkouts")] })
