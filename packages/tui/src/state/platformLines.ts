/**
 * Line views over the other packages: traces (RED per service, the service map as edges, recent
 * traces, one trace as a waterfall) from `@paved/observe`, and environments (status, TTL,
 * services, resources, log tails) from `@paved/envs`. Pure functions of what those packages
 * returned.
 */
import type { EnvironmentRecord } from "@paved/envs/Environment"
import type { Runtime } from "@paved/observe/GoldenSignals"
import type { LogRecord } from "@paved/observe/Span"
import type { RedRow, ServiceEdge, TraceSummary, TraceTree } from "@paved/observe/SpanStore"
import type { TraceLogs } from "@paved/observe/TraceLogs"
import { view } from "./app.js"
import type { Line } from "./lines.js"

const ms = (us: number): string => (us >= 1_000_000 ? `${(us / 1_000_000).toFixed(2)}s` : `${(us / 1000).toFixed(1)}ms`)

const when = (us: number): string => new Date(us / 1000).toISOString().replace("T", " ").slice(0, 19)

/** What the traces view shows. */
export interface TelemetryOverview {
  readonly red: ReadonlyArray<RedRow>
  readonly edges: ReadonlyArray<ServiceEdge>
  readonly traces: ReadonlyArray<TraceSummary>
  /** Memory and event-loop delay per entity ref, from the services' runtime metrics. */
  readonly runtime?: ReadonlyMap<string, Runtime> | undefined
}

const runtimeText = (runtime: Runtime | undefined): string =>
  runtime === undefined
    ? ""
    : (runtime.memoryBytes === undefined ? "" : `  mem ${(runtime.memoryBytes / 1048576).toFixed(0)}MiB`) +
      (runtime.eventLoopDelayMs === undefined ? "" : `  loop ${runtime.eventLoopDelayMs.toFixed(1)}ms`)

/** RED per service, the service map as edges, then recent traces (each opens its waterfall). */
export const telemetry = (t: TelemetryOverview): ReadonlyArray<Line> => {
  const out: Array<Line> = [{ text: `RED per service (${t.red.length})`, style: "heading" }]
  if (t.red.length === 0) out.push({ text: "  no spans yet: point OTLP at paved observe serve", style: "dim" })
  for (const r of t.red) {
    out.push({
      text: `  ${r.service.padEnd(24)} ${r.ratePerSecond.toFixed(2).padStart(8)}/s  ${(r.errorRatio * 100).toFixed(1).padStart(5)}% err  p50 ${r.p50Ms.toFixed(1)}ms  p95 ${r.p95Ms.toFixed(1)}ms  p99 ${r.p99Ms.toFixed(1)}ms${runtimeText(t.runtime?.get(r.entityRef))}`,
      style: r.errors > 0 ? "warning" : "text",
      open: r.entityRef.length > 0 ? view("entity", r.entityRef) : undefined
    })
  }
  out.push({ text: `service map (${t.edges.length} edges)`, style: "heading" })
  for (const e of t.edges) {
    out.push({
      text: `  ${e.source} → ${e.target}  ${e.calls} calls${e.errors > 0 ? `, ${e.errors} errors` : ""}${e.via === "peer" ? " (peer)" : ""}`,
      style: e.errors > 0 ? "warning" : "text",
      open: e.targetRef.length > 0 ? view("entity", e.targetRef) : undefined
    })
  }
  out.push({ text: `recent traces (${t.traces.length})`, style: "heading" })
  for (const tr of t.traces) {
    out.push({
      text: `  ${when(tr.startUs)}  ${ms(tr.durationUs).padStart(9)}  ${tr.rootService}: ${tr.rootName}  ${tr.spanCount} spans${tr.errorCount > 0 ? `, ${tr.errorCount} errors` : ""}`,
      style: tr.errorCount > 0 ? "error" : "link",
      open: view("trace", tr.traceId)
    })
  }
  return out
}

/** A trace with the log records that carry its id (shown under their spans). */
export interface TraceView extends TraceTree {
  readonly logs?: TraceLogs | undefined
}

const logText = (body: unknown): string => (typeof body === "string" ? body : JSON.stringify(body))

/**
 * One trace as a waterfall: each span indented by depth, with a bar to scale (from the cell
 * where the span starts to the cell where it ends, `barWidth` cells for the whole trace), and
 * under each span its log records.
 */
export const waterfall = (tree: TraceView, barWidth = 24): ReadonlyArray<Line> => {
  const total = Math.max(1, tree.durationUs)
  const out: Array<Line> = [{ text: `trace ${tree.traceId}  ${ms(tree.durationUs)}  ${tree.services.join(", ")}`, style: "heading" }]
  const logLine = (log: LogRecord, depth: number): Line => ({
    text: `${" ".repeat(barWidth)} ${ms(log.timeUs - tree.startUs).padStart(9)} ${"  ".repeat(depth + 1)}▸ ${log.severityText || log.severityNumber} ${logText(log.body)}`,
    style: log.severityNumber >= 17 ? "error" : log.severityNumber >= 13 ? "warning" : "dim"
  })
  for (const s of tree.spans) {
    const from = Math.min(barWidth - 1, Math.floor((s.offsetUs / total) * barWidth))
    const to = Math.min(barWidth, Math.max(from + 1, Math.ceil(((s.offsetUs + s.durationUs) / total) * barWidth)))
    const bar = " ".repeat(from) + "█".repeat(to - from) + " ".repeat(barWidth - to)
    out.push({
      text: `${bar} ${ms(s.durationUs).padStart(9)} ${"  ".repeat(s.depth)}${s.service}: ${s.name}${s.status === 2 ? ` ✗ ${s.statusMessage}` : ""}`,
      style: s.status === 2 ? "error" : "text",
      open: s.entityRef.length > 0 ? view("entity", s.entityRef) : undefined
    })
    for (const log of tree.logs?.bySpan.get(s.spanId) ?? []) out.push(logLine(log, s.depth))
  }
  const loose = tree.logs?.outsideSpans ?? []
  if (loose.length > 0) {
    out.push({ text: `logs of the trace outside its spans (${loose.length})`, style: "heading" })
    for (const log of loose) out.push(logLine(log, 0))
  }
  return out
}

const ttl = (record: EnvironmentRecord, now: number): string => {
  if (record.expiresAt === undefined) return "no TTL"
  const left = record.expiresAt - now
  if (left <= 0) return "expired"
  const minutes = Math.round(left / 60_000)
  return minutes >= 120 ? `${Math.round(minutes / 60)}h left` : `${minutes}m left`
}

const statusStyle = (status: string): Line["style"] =>
  status === "ready" || status === "shared" ? "ok" : status === "failed" ? "error" : "warning"

/** Every environment: type, status, health of its services, TTL; each opens its detail. */
export const environments = (records: ReadonlyArray<EnvironmentRecord>, now: number): ReadonlyArray<Line> => {
  const out: Array<Line> = [{ text: `environments (${records.length})`, style: "heading" }]
  if (records.length === 0) out.push({ text: "  none: bring one up with paved env up", style: "dim" })
  for (const r of [...records].sort((a, b) => a.name.localeCompare(b.name))) {
    const ready = r.services.filter((s) => s.status === "ready" || s.status === "shared").length
    out.push({
      text: `  ${r.name.padEnd(24)} ${r.type.padEnd(11)} ${r.status.padEnd(12)} ${ready}/${r.services.length} services ready  ${ttl(r, now)}${r.owner === undefined ? "" : `  ${r.owner}`}`,
      style: statusStyle(r.status),
      open: view("env", r.name)
    })
  }
  return out
}

/** One environment: its services (status, URL, log file), resources and the tail of each log. */
export const environment = (
  record: EnvironmentRecord,
  now: number,
  logTail: (file: string) => ReadonlyArray<string>
): ReadonlyArray<Line> => {
  const out: Array<Line> = [
    { text: `${record.name}: ${record.type}, ${record.status}, ${ttl(record, now)}`, style: "heading" },
    { text: `services (${record.services.length})`, style: "heading" }
  ]
  for (const s of record.services) {
    out.push({
      text: `  ${s.name.padEnd(20)} ${s.status.padEnd(9)} ${s.mode === "shared" ? `shared from ${s.sharedFrom ?? "?"}` : (s.url ?? "")}`,
      style: statusStyle(s.status),
      open: view("entity", s.ref)
    })
  }
  out.push({ text: `resources (${record.resources.length})`, style: "heading" })
  for (const r of record.resources) out.push({ text: `  ${r.key.padEnd(20)} ${r.type}/${r.class}`, style: "text" })
  for (const s of record.services) {
    if (s.logFile === undefined) continue
    out.push({ text: `log ${s.name} (${s.logFile})`, style: "heading" })
    const tail = logTail(s.logFile)
    out.push(...(tail.length === 0 ? [{ text: "  (empty)", style: "dim" as const }] : tail.map((l) => ({ text: `  ${l}`, style: "dim" as const }))))
  }
  return out
}

/** The environments an entity runs in (a section of its detail). */
export const entityEnvironments = (records: ReadonlyArray<EnvironmentRecord>, ref: string) => {
  const lines: Array<Line> = []
  for (const r of records) {
    for (const s of r.services.filter((x) => x.ref === ref)) {
      lines.push({ text: `  ${r.name.padEnd(20)} ${r.type.padEnd(11)} ${s.status.padEnd(9)} ${s.url ?? ""}`, style: statusStyle(s.status), open: view("env", r.name) })
    }
  }
  return { title: `environments (${lines.length})`, lines }
}

/** An entity's RED and its recent traces (a section of its detail). */
export const entityTelemetry = (t: TelemetryOverview, ref: string, service: string) => {
  const red = t.red.filter((r) => r.entityRef === ref)
  const traces = t.traces.filter((tr) => tr.services.includes(service)).slice(0, 5)
  const lines: Array<Line> = [
    ...red.map((r): Line => ({
      text: `  RED ${r.ratePerSecond.toFixed(2)}/s  ${(r.errorRatio * 100).toFixed(1)}% errors  p95 ${r.p95Ms.toFixed(1)}ms`,
      style: r.errors > 0 ? "warning" : "ok"
    })),
    ...traces.map((tr): Line => ({
      text: `  ${when(tr.startUs)}  ${ms(tr.durationUs).padStart(9)}  ${tr.rootService}: ${tr.rootName}`,
      style: tr.errorCount > 0 ? "error" : "link",
      open: view("trace", tr.traceId)
    }))
  ]
  return { title: `recent traces (${traces.length})`, lines }
}
