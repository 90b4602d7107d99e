/**
 * Nightly drift report: the three ways a platform drifts, in one place — the catalog against
 * itself (dangling or wrong references), the catalog against telemetry (calls nobody declared,
 * declarations nobody calls), and provisioned state against reality (a database dropped by hand).
 *
 *   npm run nightly-drift -w @paved/example-scripts -- examples/demo-org --spans=.paved/paved.db --state=.paved/paved.db
 */
import { Catalog } from "@paved/catalog"
import { Drift, SpanStore } from "@paved/observe"
import { Provision, StateStore } from "@paved/provision"
import * as Effect from "effect/Effect"
import { flag, inputPath, isMain, type Outcome, pathFlag, positional, runScript } from "./main.js"

/** Every kind of drift, each as plain rows. */
export interface DriftReport {
  readonly catalog: ReadonlyArray<{ readonly where: string; readonly rule: string; readonly message: string }>
  readonly telemetry: ReadonlyArray<{ readonly edge: string; readonly kind: "undeclared" | "unobserved" }>
  readonly unknownServices: ReadonlyArray<string>
  readonly provisioned: ReadonlyArray<{ readonly env: string; readonly resource: string; readonly difference: string }>
}

/** Where the telemetry and the provisioning state live (SQLite files or PostgreSQL URLs). */
export interface DriftSources {
  readonly catalog: ReadonlyArray<string>
  readonly spans?: string | undefined
  readonly state?: string | undefined
  readonly postgres?: string | undefined
  /** Where Paved keeps its key for the encrypted outputs (default `.paved`). */
  readonly dir?: string | undefined
}

const spanLayer = (url: string) => /^postgres(ql)?:/.test(url) ? SpanStore.layerPg({ url }) : SpanStore.layerSqlite({ filename: url })

/** Builds the report. */
export const nightlyDrift = (sources: DriftSources) =>
  Effect.gen(function*() {
    const loaded = yield* Catalog.load(sources.catalog)
    const entities = loaded.entities.map((e) => e.entity)
    const catalog = loaded.problems
      .filter((p) => p.rule.startsWith("integrity/"))
      .map((p) => ({ where: `${p.file}:${p.line}:${p.column}`, rule: p.rule, message: p.message }))

    const telemetry = sources.spans === undefined
      ? { undeclared: [], unobserved: [], unknownServices: [] }
      : yield* Effect.flatMap(SpanStore.SpanStore, (store) => Drift.compute(store, entities, { since: "24 hours" })).pipe(
        Effect.provide(spanLayer(sources.spans))
      )

    const provisioned = sources.state === undefined ? [] : yield* Effect.gen(function*() {
      const envs = yield* Effect.flatMap(StateStore.StateStore, (s) => s.environments())
      const rows = yield* Effect.forEach(envs, (env) => Effect.map(Provision.drift(env), (ds) => ds.map((d) => ({ env, ...d }))))
      return rows.flat()
    }).pipe(Effect.provide(Provision.layerLocal({
      stateUrl: sources.state,
      ...(sources.dir === undefined ? {} : { dir: sources.dir }),
      ...(sources.postgres === undefined ? {} : { postgres: sources.postgres })
    })))

    const report: DriftReport = {
      catalog,
      telemetry: [
        ...telemetry.undeclared.map((e) => ({ edge: `${e.sourceRef} -> ${e.targetRef || e.target}`, kind: "undeclared" as const })),
        ...telemetry.unobserved.map((e) => ({ edge: `${e.sourceRef} -> ${e.targetRef}`, kind: "unobserved" as const }))
      ],
      unknownServices: telemetry.unknownServices.map((s) => s.entityRef || s.service),
      provisioned
    }
    const total = report.catalog.length + report.telemetry.length + report.unknownServices.length + report.provisioned.length
    const text = [
      `Catalog: ${report.catalog.length} problems`,
      ...report.catalog.map((c) => `  ${c.where} ${c.rule}: ${c.message}`),
      `Telemetry: ${report.telemetry.length} edges, ${report.unknownServices.length} unknown services`,
      ...report.telemetry.map((t) => `  ${t.kind}: ${t.edge}`),
      ...report.unknownServices.map((s) => `  unknown: ${s}`),
      `Provisioned: ${report.provisioned.length} differences`,
      ...report.provisioned.map((p) => `  ${p.env}/${p.resource}: ${p.difference}`)
    ].join("\n")
    return { report, text, failed: total > 0 } satisfies Outcome<DriftReport>
  })

if (isMain(import.meta.url)) {
  const sqliteFile = (url: string | undefined) => url === undefined || /^postgres(ql)?:/.test(url) ? url : inputPath(url)
  const spans = sqliteFile(flag("spans"))
  const state = sqliteFile(flag("state"))
  const dir = pathFlag("dir")
  runScript(nightlyDrift({ catalog: positional(), spans, state, postgres: flag("postgres"), dir }), {
    catalog: positional(),
    paths: [spans, state, dir].filter((p) => p === undefined || !/^postgres(ql)?:/.test(p))
  })
}
