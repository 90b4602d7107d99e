/**
 * The steps of `paved demo`, each a small composition of the libraries a platform team would
 * write itself: catalog → scorecards and ownership → golden-path currency → a preview
 * environment (provisioned, started, observed) → traffic → RED, service map, drift → teardown.
 */
import { Catalog, CatalogStore, CatalogView, Facts, OwnershipHealth, Scorecard } from "@paved/catalog"
import type { Entity } from "@paved/catalog/Entity"
import { Environments } from "@paved/envs"
import { Currency } from "@paved/golden"
import { Drift, GoldenSignals } from "@paved/observe"
import type * as SpanStore from "@paved/observe/SpanStore"
import * as Effect from "effect/Effect"
import * as path from "node:path"
import type { Finding } from "./report.js"

/** Loads the catalog and ingests it into the store; the load result is reused by later steps. */
export const catalogStep = (directory: string) =>
  Effect.gen(function*() {
    // The organisation is what its root Location reaches; its history/ snapshot (also catalog
    // YAML) is an earlier state of the same entities, read only to compare ownership.
    const loaded = yield* Catalog.load([path.join(directory, "catalog-info.yaml")])
    const ingested = yield* CatalogStore.ingest(loaded, { orphans: "delete", roots: [directory] })
    const byKind: Record<string, number> = {}
    for (const { entity } of loaded.entities) byKind[entity.kind] = (byKind[entity.kind] ?? 0) + 1
    const errors = loaded.problems.filter((p) => p.severity === "error")
    const findings: Array<Finding> = errors.map((p) => ({
      kind: "catalog-error",
      subject: `${p.file}:${p.line}:${p.column}`,
      detail: p.message,
      fix: "correct the file; the other files' entities are already loaded"
    }))
    return {
      loaded,
      findings,
      section: {
        directory,
        entities: loaded.entities.length,
        byKind,
        errors: errors.length,
        warnings: loaded.problems.length - errors.length,
        ingested: { created: ingested.created.length, updated: ingested.updated.length, unchanged: ingested.unchanged }
      }
    }
  })

/** Scores every entity with the default scorecard, and checks ownership against the pre-reorg org. */
export const scoreStep = (entities: ReadonlyArray<Entity>, previous: ReadonlyArray<Entity>) =>
  Effect.gen(function*() {
    const view = CatalogView.fromEntities(entities)
    const report = yield* Scorecard.evaluate(Scorecard.defaultScorecard, view).pipe(Effect.provide(Facts.layerEmpty))
    const levels: Record<string, number> = {}
    for (const e of report.entities) levels[e.level ?? "none"] = (levels[e.level ?? "none"] ?? 0) + 1
    const ownership = OwnershipHealth.report(view, { previous: CatalogView.fromEntities(previous) })
    const findings: Array<Finding> = ownership.findings.map((f) => ({
      kind: f.problem === "owner-removed" || f.problem === "owner-renamed" ? "owner-removed" : "dangling-owner",
      subject: f.ref,
      detail: f.message,
      fix: f.suggestion === null ? "set spec.owner to an existing group" : `set spec.owner to ${f.suggestion.owner} (${f.suggestion.reason})`
    }))
    return {
      findings,
      scorecards: {
        scored: report.entities.length,
        levels,
        owners: report.owners.map((o) => ({ owner: o.owner, entities: o.entities, points: `${o.points}/${o.maxPoints}` }))
      },
      ownership: ownership.findings.map((f) => ({
        entity: f.ref,
        problem: f.problem,
        owner: f.owner,
        suggestion: f.suggestion?.owner ?? null,
        why: f.suggestion?.reason ?? f.message
      }))
    }
  })

/** Compares each entity's recorded golden-path template version with the template's latest. */
export const goldenStep = (entities: ReadonlyArray<Entity>) =>
  Effect.map(Currency.ofEntities(entities), (rows) => ({
    rows,
    findings: rows.filter((r) => !r.upToDate).map((r): Finding => ({
      kind: "behind-template",
      subject: r.ref,
      detail: `on ${r.template} ${r.version}; the template is at ${r.latest}`,
      fix: `run paved golden update in the service's directory to merge ${r.template} ${r.latest}`
    }))
  }))

/** Reads RED, the service map and dependency drift for the window the traffic ran in. */
export const telemetryStep = (store: SpanStore.Service, entities: ReadonlyArray<Entity>, since: Date) =>
  Effect.gen(function*() {
    const window = { from: new Date(since.getTime() - 60_000) }
    const red = yield* store.red({ ...window, groupBy: "service" })
    const map = yield* store.serviceMap(window)
    const services = yield* store.services(window)
    const traces = yield* store.searchTraces({ ...window, limit: 10_000 })
    const drift = yield* Drift.compute(store, entities, window)
    // Metrics are exported every second: give each service that served requests a few seconds
    // to show its HTTP server duration histogram.
    const durations = store.metricSeries({ ...window, name: "http.server.request.duration" })
    let metricSeries = yield* durations
    for (let i = 0; i < 40 && !red.every((r) => metricSeries.some((s) => s.entityRef === r.entityRef)); i++) {
      yield* Effect.sleep("250 millis")
      metricSeries = yield* durations
    }
    const metrics = yield* Effect.forEach(red, (r) =>
      Effect.gen(function*() {
        let requests = 0
        for (const s of metricSeries.filter((s) => s.entityRef === r.entityRef)) {
          const w = yield* store.metricWindow(s.seriesId, window)
          if (w._tag === "Some") requests += w.value.total
        }
        const runtime = GoldenSignals.runtimeOf(yield* store.metricSeries({ ...window, service: r.entityRef }))
        return {
          service: r.service,
          httpServerRequests: requests,
          memoryMiB: runtime.memoryBytes === undefined ? null : Math.round(runtime.memoryBytes / 104857.6) / 10,
          eventLoopDelayMs: runtime.eventLoopDelayMs === undefined ? null : Math.round(runtime.eventLoopDelayMs * 10) / 10
        }
      }))
    // The logs of one trace: the one with the most spans (an order placed through every service).
    const widest = [...traces].sort((a, b) => b.spanCount - a.spanCount)[0]
    const traceLogs = widest === undefined ? [] : yield* store.logs({ ...window, traceId: widest.traceId, oldestFirst: true })
    const findings: Array<Finding> = [
      ...drift.undeclared.map((e): Finding => ({
        kind: "undeclared-dependency",
        subject: `${e.sourceRef} -> ${e.targetRef || e.target}`,
        detail: `${e.calls} calls seen in traces, but the catalog does not declare the dependency`,
        fix: `add ${e.targetRef || e.target} to spec.dependsOn of ${e.sourceRef} (or its API to spec.consumesApis)`
      })),
      ...drift.unobserved.map((e): Finding => ({
        kind: "unobserved-dependency",
        subject: `${e.sourceRef} -> ${e.targetRef}`,
        detail: `declared in ${e.relation}, but no call was seen`,
        fix: "remove the stale declaration, or check that the call is traced"
      })),
      ...drift.unknownServices.map((s): Finding => ({
        kind: "unknown-service",
        subject: s.entityRef || s.service,
        detail: `${s.spans} spans from a service the catalog does not know`,
        fix: "add a catalog-info.yaml for it"
      }))
    ]
    return {
      findings,
      section: {
        spans: services.reduce((n, s) => n + s.spans, 0),
        traces: traces.length,
        red: red.map((r) => ({
          service: r.service,
          requests: r.count,
          errorRatio: r.errorRatio,
          p50Ms: r.p50Ms,
          p95Ms: r.p95Ms,
          p99Ms: r.p99Ms
        })),
        serviceMap: map.map((e) => ({ source: e.source, target: e.target, calls: e.calls, via: e.via })),
        metrics,
        traceLogs: {
          traceId: widest?.traceId ?? null,
          logs: traceLogs.map((l) => ({ service: l.service, severity: l.severityText, message: typeof l.body === "string" ? l.body : JSON.stringify(l.body) }))
        }
      }
    }
  })

/** The plan of the preview environment as report rows. */
export const environmentPlan = (planned: Environments.Plan) => {
  const summary = Environments.planSummary(planned)
  return {
    run: summary.run.map((s) => ({ ref: s.ref, reason: s.reason })),
    skipped: summary.skipped,
    resources: summary.resources.map((r) => ({ key: r.key, type: r.type, class: r.class, name: r.name }))
  }
}

