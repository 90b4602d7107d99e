/**
 * `paved check`: one gate for CI. It runs every integration-truth check that has data and prints
 * one report: catalog validity and integrity over the catalog roots, ownership health,
 * golden-path conformance of the services below the roots, telemetry drift when the span store
 * has spans, provisioned-state drift when state is recorded, and an environment diff when asked.
 * Each check is the library call its own command makes (`catalog validate`, `catalog owners`,
 * `golden check`, `observe drift`, `provision drift`, `env diff`); a check without data is
 * skipped with the reason. Exit 1 when any check fails, 2 on usage errors.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Catalog, CatalogView, type Entity, OwnershipHealth, Problem } from "@paved/catalog"
import { Diff, Environments } from "@paved/envs"
import { Conformance } from "@paved/golden"
import { Drift, SpanStore } from "@paved/observe"
import { Provision, StateStore } from "@paved/provision"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Output from "../Output.js"
import * as Store from "../Store.js"
import * as Inputs from "../internal/scoreInputs.js"
import { storeLayer as envStoreLayer } from "./env.js"
import { registryLayer } from "./golden.js"
import { parseSince, spanStoreLayer } from "./observe.js"
import { withServices } from "./provision.js"

/**
 * One check's outcome: `failed` carries the findings in the shape the check's own command prints
 * with `--format json`; `skipped` says why there was nothing to check.
 *
 * @since 0.1.0
 */
export interface CheckResult {
  readonly name: "catalog" | "owners" | "golden" | "telemetry" | "provision" | "env-diff"
  readonly status: "passed" | "failed" | "skipped"
  readonly summary: string
  readonly findings: ReadonlyArray<unknown>
  /** One human line per finding, for the table report. */
  readonly lines: ReadonlyArray<string>
}

// Failures of the checks' library calls (a store that cannot be opened, a template that does
// not load) reach the runner as they are; Output.exitCodes makes them usage or environment
// errors (2), so a check that cannot run is never mistaken for one that failed.
const usage = (summary: string) => new Output.UsageError({ summary })

const passed = (name: CheckResult["name"], summary: string): CheckResult => ({ name, status: "passed", summary, findings: [], lines: [] })
const skipped = (name: CheckResult["name"], summary: string): CheckResult => ({ name, status: "skipped", summary, findings: [], lines: [] })

const paths = Args.text({ name: "PATH" }).pipe(
  Args.withDescription("Catalog roots (files, directories or globs); default: catalog: in paved.yaml, else the current directory"),
  Args.repeated
)
const previous = Options.text("previous").pipe(
  Options.withDescription("The catalog as it was before (files, directories or globs), to recognise removed and renamed owning groups"),
  Options.repeated
)
const templates = Options.text("templates").pipe(
  Options.withDescription("A directory of template modules; repeatable (default: templates: in paved.yaml, else the built-in templates)"),
  Options.repeated
)
const allowOutdated = Options.boolean("allow-outdated").pipe(
  Options.withDescription("Pass services that are behind their template's latest version but have no drift")
)
const since = Options.text("since").pipe(Options.withDefault("1h"), Options.withDescription("Telemetry window: 30s, 15m, 1h, 7d (default 1h)"))
const envDiff = Options.text("env-diff").pipe(
  Options.withDescription("Also compare two environments, written A,B (e.g. staging,pr-123); exit 1 when they differ"),
  Options.optional
)
const dir = Options.text("dir").pipe(Options.withDefault(".paved"), Options.withDescription("The provisioning state directory (default .paved)"))

// -- the checks -------------------------------------------------------------------------------

const catalogCheck = (result: Catalog.LoadResult): CheckResult => {
  const problems = Problem.sort(result.problems)
  const errors = problems.filter((p) => p.severity === "error").length
  const summary = `${Output.count(result.entities.length, "entity", "entities")} from ${Output.count(result.sources.length, "file")}; ` +
    `${Output.count(errors, "error")}, ${Output.count(problems.length - errors, "warning")}`
  return {
    name: "catalog",
    status: errors > 0 ? "failed" : "passed",
    summary,
    findings: problems.map(Problem.toJson),
    lines: problems.map((p) => Problem.format({ ...p, file: p.file === undefined ? undefined : relative(p.file) }))
  }
}

const ownersCheck = (view: CatalogView.CatalogView, before: CatalogView.CatalogView | undefined): CheckResult => {
  const report = OwnershipHealth.report(view, { previous: before, departures: [] })
  if (report.findings.length === 0) return passed("owners", "every entity has an owner that exists and has members")
  return {
    name: "owners",
    status: "failed",
    summary: `${Output.count(report.findings.length, "entity", "entities")} with ownership problems`,
    findings: report.findings,
    lines: report.findings.map((f) =>
      `${f.ref}: ${f.problem}${f.owner === null ? "" : ` (${f.owner})`}` +
      (f.suggestion ? `; suggested owner ${f.suggestion.owner}: ${f.suggestion.reason}` : `: ${f.message}`)
    )
  }
}

const goldenCheck = (roots: ReadonlyArray<string>, templateDirs: ReadonlyArray<string>, allowBehind: boolean) =>
  Effect.gen(function*() {
    const dirs = [...new Set(roots.filter((r) => fs.existsSync(r)).map((r) => fs.statSync(r).isDirectory() ? r : path.dirname(r)))]
    const services = yield* Conformance.findServices(dirs, { onlyServices: true })
    if (services.length === 0) return skipped("golden", "no service below the catalog roots records a template")
    const checks = yield* Conformance.checkServices(services)
    const failing = checks.filter((c) => c.drift || (!allowBehind && !c.upToDate))
    const summary = `${Output.count(checks.length, "service")}; ${`${checks.filter((c) => c.drift).length} drifted`}, ` +
      `${checks.filter((c) => !c.upToDate).length} behind their template`
    if (failing.length === 0) return passed("golden", summary)
    return {
      name: "golden",
      status: "failed",
      summary,
      findings: failing,
      lines: failing.map((c) =>
        `${relative(c.dir)}: ${c.template}@${c.version}` +
        (c.upToDate ? "" : ` is behind ${c.latest} (paved golden update ${relative(c.dir)})`) +
        (c.drift ? `; drifted: ${c.files.map((f) => `${f.path} (${f.status})`).join(", ")}` : "")
      )
    } satisfies CheckResult
  }).pipe(Effect.provide(registryLayer(templateDirs, [])))

const telemetryCheck = (entities: ReadonlyArray<Entity.Entity>, db: Option.Option<string>, window: Duration.Duration) =>
  Effect.gen(function*() {
    const store = yield* SpanStore.TelemetryQuery
    const sinceMs = { since: window }
    const services = yield* store.services(sinceMs)
    if (services.length === 0) return skipped("telemetry", "no spans in the window (--since)")
    const report = yield* Drift.compute(store, entities, sinceMs)
    const summary = `${Output.count(services.length, "service")} observed; ${report.undeclared.length} undeclared, ` +
      `${report.unobserved.length} unobserved, ${report.unknownServices.length} unknown`
    if (!report.drift) return passed("telemetry", summary)
    const findings = [
      ...report.undeclared.map((e) => ({ kind: "undeclared", ...e })),
      ...report.unobserved.map((e) => ({ kind: "unobserved", ...e })),
      ...report.unknownServices.map((s) => ({ kind: "unknown-service", ...s }))
    ]
    return {
      name: "telemetry",
      status: "failed",
      summary,
      findings,
      lines: [
        ...report.undeclared.map((e) => `observed but not declared: ${e.sourceRef} -> ${e.targetRef || e.target} via ${e.via} (${e.calls} calls)`),
        ...report.unobserved.map((e) => `declared but not observed: ${e.sourceRef} -> ${e.targetRef} (${e.relation})`),
        ...report.unknownServices.map((s) => `not in the catalog: service ${s.service} (${s.spans} spans)`)
      ]
    } satisfies CheckResult
  }).pipe(Effect.provide(spanStoreLayer(db)))

const provisionCheck = (db: Option.Option<string>, stateDir: string) =>
  withServices(
    { dir: stateDir, db, state: Option.none(), backend: "local" },
    Effect.gen(function*() {
      const envs = yield* (yield* StateStore.StateStore).environments()
      if (envs.length === 0) return skipped("provision", "no provisioned state recorded")
      const findings: Array<{ readonly env: string; readonly resource: string; readonly type: string; readonly difference: string }> = []
      for (const env of envs) for (const d of yield* Provision.drift(env)) findings.push({ ...d, env })
      const summary = `${Output.count(envs.length, "environment")}; ${Output.count(findings.length, "difference")} between recorded state and reality`
      if (findings.length === 0) return passed("provision", summary)
      return {
        name: "provision",
        status: "failed",
        summary,
        findings,
        lines: findings.map((d) => `${d.env}: ${d.resource} (${d.type}): ${d.difference}`)
      } satisfies CheckResult
    })
  )

const envDiffCheck = (pair: string, db: Option.Option<string>) =>
  Effect.gen(function*() {
    const names = pair.split(",").map((n) => n.trim())
    if (names.length !== 2 || names.some((n) => n.length === 0)) {
      return yield* usage(`--env-diff ${pair}: name two environments, e.g. --env-diff staging,pr-123`)
    }
    const [a, b] = names as [string, string]
    const report = Diff.compare(yield* Environments.get(a), yield* Environments.get(b))
    const rows = report.rows.filter((r) => !r.same)
    if (report.differences === 0) return passed("env-diff", `${a} and ${b} agree`)
    return {
      name: "env-diff",
      status: "failed",
      summary: `${report.differences} differences between ${a} and ${b}`,
      findings: rows,
      lines: rows.map((r) => `${r.aspect} ${r.subject}: ${a} ${r.a ?? "(absent)"}, ${b} ${r.b ?? "(absent)"}`)
    } satisfies CheckResult
  }).pipe(Effect.provide(envStoreLayer(db)))

const relative = (file: string): string => {
  const rel = path.relative(process.cwd(), file)
  return rel.length > 0 && !rel.startsWith("..") ? rel : file
}

// -- the command ------------------------------------------------------------------------------

/**
 * `paved check [PATH...]`: every check with data, one report; exit 1 when any check fails.
 *
 * @since 0.1.0
 */
export const check = Command.make(
  "check",
  { paths, previous, templates, allowOutdated, since, envDiff, dir, db: Store.db, format: Output.format },
  (o) =>
    Effect.gen(function*() {
      const project = yield* Store.project
      const roots = o.paths.length > 0
        ? o.paths
        : Option.match(project, { onNone: () => ["."], onSome: (p) => (p.catalog.length > 0 ? p.catalog : ["."]) })
      const missing = roots.filter((p) => !/[*?[]/.test(p) && !fs.existsSync(p))
      if (missing.length > 0) return yield* usage(`no such file or directory: ${missing.join(", ")}`)
      const window = yield* parseSince(o.since)

      const results: Array<CheckResult> = []
      const loaded = yield* Catalog.load(roots)
      results.push(catalogCheck(loaded))
      const entities = loaded.entities.map((e) => e.entity)
      const before = o.previous.length === 0 ? undefined : yield* Inputs.loadView(o.previous)
      results.push(ownersCheck(CatalogView.fromEntities(entities), before))
      results.push(yield* goldenCheck(roots, o.templates, o.allowOutdated))

      // The stores: skipped when the default store does not exist; a store named by --db,
      // PAVED_DB_URL or paved.yaml that does not exist is a usage error.
      const choice = yield* Store.choose(o.db)
      const noStore = choice.target._tag === "sqlite" && choice.from === "default" && !fs.existsSync(choice.target.filename)
      if (noStore) {
        const reason = `no store at ${choice.target._tag === "sqlite" ? choice.target.filename : ""} (pass --db, or run paved catalog ingest)`
        results.push(skipped("telemetry", reason), skipped("provision", reason))
      } else {
        yield* Store.target(o.db)
        results.push(yield* telemetryCheck(entities, o.db, window))
        results.push(yield* provisionCheck(o.db, o.dir))
      }
      if (Option.isSome(o.envDiff)) {
        if (noStore) return yield* usage("--env-diff needs the environment store: pass --db or run from where paved env up ran")
        results.push(yield* envDiffCheck(o.envDiff.value, o.db))
      }

      const failed = results.filter((r) => r.status === "failed")
      if (o.format === "json") {
        yield* Output.printJson({
          passed: failed.length === 0,
          roots,
          checks: results.map((r) =>
            r.status === "skipped"
              ? { name: r.name, status: r.status, reason: r.summary, findings: [] }
              : { name: r.name, status: r.status, summary: r.summary, findings: r.findings }
          )
        })
      } else {
        yield* Output.printTable(results, [
          { header: "check", cell: (r) => r.name },
          { header: "status", cell: (r) => r.status },
          { header: "summary", cell: (r) => r.summary }
        ])
        for (const r of results) {
          if (r.lines.length === 0) continue
          yield* Console.log(`\n${r.name}:`)
          for (const line of r.lines) yield* Console.log(`  ${Output.visible(line)}`)
        }
      }
      if (failed.length > 0) {
        return yield* new Output.CheckFailed({ summary: `paved check: ${failed.map((r) => r.name).join(", ")} failed` })
      }
    })
).pipe(Command.withDescription(
  "One gate for CI: catalog, owners, golden paths, telemetry and provisioned-state drift (and --env-diff A,B) in one report; exit 1 when any fails"
))
