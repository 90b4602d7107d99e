/**
 * The human form of the demo report: a short section per step, then the findings.
 */
import { renderTable } from "../../Output.js"
import type { DemoReport } from "./report.js"

const section = (title: string, body: string) => `\n${title}\n${"-".repeat(title.length)}\n${body}`

const pct = (ratio: number) => `${(ratio * 100).toFixed(1)}%`

/** Renders the report for a terminal. */
export const human = (r: DemoReport): string => {
  const kinds = Object.entries(r.catalog.byKind).map(([k, n]) => `${n} ${k}`).join(", ")
  const parts = [
    section(
      "Catalog",
      `${r.catalog.entities} entities (${kinds}) from ${r.catalog.directory}\n` +
        `${r.catalog.errors} errors, ${r.catalog.warnings} warnings; stored ${r.catalog.ingested.created} new entities`
    ),
    section(
      "Scorecards",
      `${r.scorecards.scored} entities scored: ` +
        Object.entries(r.scorecards.levels).map(([level, n]) => `${n} ${level}`).join(", ") + "\n" +
        renderTable(r.scorecards.owners, [
          { header: "owner", cell: (o) => o.owner },
          { header: "entities", cell: (o) => o.entities },
          { header: "points", cell: (o) => o.points }
        ])
    ),
    section(
      "Preview environment",
      `${r.environment.name} (${r.environment.type}) for a change to ${r.environment.run.filter((s) => s.reason.startsWith("changed")).length} services\n` +
        renderTable(
          [...r.environment.run, ...r.environment.skipped.map((s) => ({ ref: `(not run) ${s.ref}`, reason: s.reason }))],
          [{ header: "runs", cell: (s) => s.ref }, { header: "because", cell: (s) => s.reason }]
        ) + "\n" +
        renderTable(r.environment.resources, [
          { header: "provisioned", cell: (x) => x.key },
          { header: "type", cell: (x) => x.type },
          { header: "class", cell: (x) => x.class },
          { header: "name", cell: (x) => x.name }
        ])
    ),
    section(
      "Traffic and traces",
      `${r.traffic.requests} requests (${r.traffic.failures} failed, ${r.traffic.ordersPlaced} orders placed); ` +
        `${r.telemetry.spans} spans in ${r.telemetry.traces} traces\n` +
        renderTable(r.telemetry.red, [
          { header: "service", cell: (x) => x.service },
          { header: "requests", cell: (x) => x.requests },
          { header: "errors", cell: (x) => pct(x.errorRatio) },
          { header: "p50 ms", cell: (x) => x.p50Ms.toFixed(1) },
          { header: "p95 ms", cell: (x) => x.p95Ms.toFixed(1) },
          { header: "p99 ms", cell: (x) => x.p99Ms.toFixed(1) }
        ]) + "\n\n" +
        renderTable(r.telemetry.serviceMap, [
          { header: "caller", cell: (e) => e.source },
          { header: "callee", cell: (e) => e.target },
          { header: "calls", cell: (e) => e.calls }
        ])
    ),
    section(
      "Metrics and logs",
      r.telemetry.metrics.map((m) =>
        `${m.service}: ${m.httpServerRequests} requests in http.server.request.duration` +
        (m.memoryMiB === null ? "" : `, memory ${m.memoryMiB} MiB`) +
        (m.eventLoopDelayMs === null ? "" : `, event-loop delay p99 ${m.eventLoopDelayMs} ms`)
      ).join("\n") +
        (r.telemetry.traceLogs.traceId === null
          ? ""
          : `\n\nlogs of trace ${r.telemetry.traceLogs.traceId} (paved observe trace ${r.telemetry.traceLogs.traceId}):\n` +
            renderTable(r.telemetry.traceLogs.logs, [
              { header: "service", cell: (l) => l.service },
              { header: "severity", cell: (l) => l.severity },
              { header: "message", cell: (l) => l.message }
            ]))
    ),
    section(
      "Teardown",
      r.teardown.kept
        ? "not yet: the preview environment is kept running (--keep); Ctrl-C tears it down"
        : `${r.teardown.processesLeft} processes and ${r.teardown.portsLeft} ports left behind` +
        (r.teardown.docker === undefined
          ? ""
          : `; ${r.teardown.docker.containers} containers, ${r.teardown.docker.networks} networks, ${r.teardown.docker.volumes} volumes`)
    ),
    section(
      `Findings (${r.findings.length})`,
      r.findings.length === 0
        ? "none"
        : r.findings.map((f, i) => `${i + 1}. [${f.kind}] ${f.subject}\n   ${f.detail}\n   fix: ${f.fix}`).join("\n")
    ),
    `\nDone in ${(r.durationMs / 1000).toFixed(1)} s (${r.timings.map((t) => `${t.step.split(" ")[0]!.toLowerCase()} ${(t.ms / 1000).toFixed(1)} s`).join(", ")}).`
  ]
  return parts.join("\n").trimStart()
}
