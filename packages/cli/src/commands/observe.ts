/**
 * `paved observe serve|traces|trace|logs|metrics|red|map|drift|team`: the embedded OTLP receiver and the
 * telemetry queries. Spans live in the same store as the catalog (`--db URL`, `$PAVED_DB_URL`,
 * default `.paved/paved.db`), so drift and the team view read both from one place.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Catalog, CatalogStore, type Entity } from "@paved/catalog"
import { Drift, GoldenSignals, Metric, Receiver, Span, SpanStore, TeamView, TraceLogs } from "@paved/observe"
import * as Chunk from "effect/Chunk"
import * as Console from "effect/Console"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Output from "../Output.js"
import * as Store from "../Store.js"

/**
 * The store for `--db`. `serve` writes through it; every other command reads only its query
 * side (`SpanStore.TelemetryQuery`), which is what another trace backend would provide.
 * `paved check` reuses it for telemetry drift. A SQLite file gets `SpanStore.layerSqlite`,
 * whose dedicated write connection the receiver needs for its throughput; PostgreSQL and memory
 * the store over the database the other commands open.
 *
 * @since 0.1.0
 */
export const spanStoreLayer = (
  db: Option.Option<string>
): Layer.Layer<SpanStore.SpanStore | SpanStore.SpanWriter | SpanStore.TelemetryQuery, Store.Unusable> =>
  Layer.unwrapEffect(
    Effect.map(Store.target(db), (t) =>
      t._tag === "sqlite"
        ? Layer.mapError(SpanStore.layerSqlite({ filename: t.filename }), (error) =>
          new Output.UsageError({ summary: `${error.message} (store: ${Store.describe(t)})` }))
        : Store.over(Store.open(t), SpanStore))
  )

const units: Record<string, Duration.Unit> = { ms: "millis", s: "seconds", m: "minutes", h: "hours", d: "days", w: "weeks" }

/**
 * A `--since` window: `15m`, `1h`, `2d`, `500ms` (also `15 minutes`). `paved check` reads its
 * `--since` the same way.
 *
 * @since 0.2.0
 */
export const parseSince = (text: string): Effect.Effect<Duration.Duration, Output.UsageError> => {
  const short = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/.exec(text.trim())
  if (short !== null) return Effect.succeed(Duration.decode(`${Number(short[1])} ${units[short[2]!]!}`))
  const long = /^(\d+(?:\.\d+)?) (millis|seconds|minutes|hours|days|weeks)$/.exec(text.trim())
  if (long !== null) return Effect.succeed(Duration.decode(text.trim() as Duration.DurationInput))
  return Effect.fail(new Output.UsageError({ summary: `--since ${text}: write a duration such as 30s, 15m, 1h or 7d` }))
}

const since = (fallback: string) =>
  Options.text("since").pipe(Options.withDefault(fallback), Options.withDescription(`How far back to look: 30s, 15m, 1h, 7d (default ${fallback})`))
const db = Store.db
const format = Output.format
const ms = (us: number) => Math.round(us / 10) / 100
const time = (us: number) => new Date(us / 1000).toISOString()

/**
 * A command that reads telemetry: its own options plus `--since` (default `window`), `--db` and
 * `--format`; `run` gets the parsed options and the query service over the store at `--db`.
 */
const query = <Name extends string, const Config extends Command.Command.Config, E, R>(
  name: Name,
  window: string,
  config: Config,
  run: (
    o: Command.Command.ParseConfig<Config & { readonly since: ReturnType<typeof since>; readonly db: typeof db; readonly format: typeof format }>,
    store: Context.Tag.Service<typeof SpanStore.TelemetryQuery>
  ) => Effect.Effect<void, E, R>
) =>
  Command.make(name, { ...config, since: since(window), db, format }, (o) =>
    Effect.flatMap(SpanStore.TelemetryQuery, (store) => run(o as never, store)).pipe(
      Effect.provide(spanStoreLayer((o as unknown as { readonly db: Option.Option<string> }).db))
    ))

// serve ---------------------------------------------------------------------------------------

const serve = Command.make(
  "serve",
  {
    port: Options.integer("port").pipe(Options.withDefault(4318), Options.withDescription("Port to listen on (0: any free port)")),
    host: Options.text("host").pipe(Options.withDefault("127.0.0.1"), Options.withDescription("Interface to listen on")),
    retention: Options.text("retention").pipe(Options.withDefault("7d"), Options.withDescription("Delete spans and logs older than this (default 7d)")),
    maxSpans: Options.integer("max-spans").pipe(Options.withDefault(5_000_000), Options.withDescription("Keep at most this many spans (default 5000000)")),
    db,
    format
  },
  ({ db, format, host, maxSpans, port, retention }) =>
    Effect.gen(function*() {
      const maxAge = yield* parseSince(retention)
      const store = yield* SpanStore.SpanStore
      const receiver = yield* Receiver.serve({ store, port, host, retention: { maxAge, maxSpans } })
      const target = yield* Store.target(db)
      if (format === "json") yield* Output.printJson({ url: receiver.url, port: receiver.port, store: Store.describe(target) })
      else {
        yield* Console.log(`OTLP/HTTP receiver listening on ${receiver.url} (store: ${Store.describe(target)})`)
        yield* Output.diagnostic(`send spans with OTEL_EXPORTER_OTLP_ENDPOINT=${receiver.url}; stop with Ctrl-C`)
      }
      yield* Effect.addFinalizer(() =>
        Output.diagnostic(`receiver stopped; accepted ${receiver.stats().accepted} spans and log records`))
      return yield* Effect.never
    }).pipe(Effect.scoped, Effect.provide(spanStoreLayer(db)))
).pipe(Command.withDescription("Run the embedded OTLP/HTTP receiver (traces, logs, metrics) until Ctrl-C"))

// traces ------------------------------------------------------------------------------------

const traces = query(
  "traces",
  "1h",
  {
    service: Options.text("service").pipe(Options.optional, Options.withDescription("Service name or entity ref")),
    operation: Options.text("operation").pipe(Options.optional, Options.withDescription("Span name")),
    status: Options.choice("status", ["error", "ok", "unset"]).pipe(Options.optional, Options.withDescription("Span status")),
    minDuration: Options.float("min-duration").pipe(Options.optional, Options.withDescription("Minimum span duration in ms")),
    maxDuration: Options.float("max-duration").pipe(Options.optional, Options.withDescription("Maximum span duration in ms")),
    attribute: Options.keyValueMap("attribute").pipe(Options.optional, Options.withDescription("Span attribute equal to a value: --attribute key=value (repeatable)")),
    limit: Options.integer("limit").pipe(Options.withDefault(20), Options.withDescription("How many traces (default 20)"))
  },
  (o, store) =>
    Effect.gen(function*() {
      const window = yield* parseSince(o.since)
      const found = yield* store.searchTraces({
        since: window,
        service: Option.getOrUndefined(o.service),
        operation: Option.getOrUndefined(o.operation),
        status: Option.getOrUndefined(o.status),
        minDurationMs: Option.getOrUndefined(o.minDuration),
        maxDurationMs: Option.getOrUndefined(o.maxDuration),
        attributes: Option.match(o.attribute, { onNone: () => undefined, onSome: (map) => Object.fromEntries(map) }),
        limit: o.limit
      })
      if (o.format === "json") return yield* Output.printJson({ traces: found })
      yield* Output.printTable(found, [
        { header: "trace", cell: (t) => t.traceId },
        { header: "start", cell: (t) => time(t.startUs) },
        { header: "root", cell: (t) => `${t.rootService}: ${t.rootName}` },
        { header: "ms", cell: (t) => ms(t.durationUs) },
        { header: "spans", cell: (t) => t.spanCount },
        { header: "errors", cell: (t) => t.errorCount },
        { header: "services", cell: (t) => t.services.join(",") }
      ], "(no traces match)")
    })
).pipe(Command.withDescription("Search traces by service, operation, status, duration and attributes"))

// trace ---------------------------------------------------------------------------------------

const BAR = 30
/** A bar to scale: from the cell where the span starts to the cell where it ends (at least one). */
const bar = (offsetUs: number, durationUs: number, totalUs: number): string => {
  const scale = totalUs > 0 ? BAR / totalUs : 0
  const start = Math.min(BAR - 1, Math.floor(offsetUs * scale))
  const end = Math.min(BAR, Math.max(start + 1, Math.ceil((offsetUs + durationUs) * scale)))
  return " ".repeat(start) + "#".repeat(end - start)
}

const SEVERITIES: Record<string, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 }
const bodyText = (body: unknown): string => (typeof body === "string" ? body : JSON.stringify(body))

const trace = Command.make(
  "trace",
  { traceId: Args.text({ name: "TRACE_ID" }).pipe(Args.withDescription("The 32-hex-digit trace id")), db, format },
  ({ db, format, traceId }) =>
    Effect.gen(function*() {
      const store = yield* SpanStore.TelemetryQuery
      const found = yield* store.trace(traceId)
      if (Option.isNone(found)) return yield* new Output.UsageError({ summary: `no trace ${traceId} in the store` })
      const tree = found.value
      const { logs } = yield* TraceLogs.ofTrace(store, tree)
      if (format === "json") return yield* Output.printJson({ ...tree, logs })
      // Service names come from senders: control characters are shown, never obeyed.
      yield* Console.log(Output.visible(`trace ${tree.traceId}  ${time(tree.startUs)}  ${ms(tree.durationUs)} ms  ${tree.spans.length} spans  ${tree.services.join(", ")}`))
      yield* Output.printTable(tree.spans, [
        { header: "offset ms", cell: (s) => ms(s.offsetUs) },
        { header: "ms", cell: (s) => ms(s.durationUs) },
        { header: "service", cell: (s) => s.service },
        { header: "span", cell: (s) => `${"· ".repeat(s.depth)}${s.name}` },
        { header: "kind", cell: (s) => Span.kindName(s.kind) },
        { header: "status", cell: (s) => (s.status === 2 ? `error${s.statusMessage ? ": " + s.statusMessage : ""}` : s.status === 1 ? "ok" : "") },
        { header: "timeline", cell: (s) => `|${bar(s.offsetUs, s.durationUs, tree.durationUs).padEnd(BAR, ".")}|` }
      ])
      if (logs.length > 0) {
        const spanName = new Map(tree.spans.map((s) => [s.spanId, `${s.service}: ${s.name}`]))
        yield* Console.log(`\nlogs (${logs.length})`)
        yield* Output.printTable(logs, [
          { header: "offset ms", cell: (l) => ms(l.timeUs - tree.startUs) },
          { header: "span", cell: (l) => spanName.get(l.spanId) ?? (l.spanId === "" ? l.service : `${l.service} (span ${l.spanId})`) },
          { header: "severity", cell: (l) => l.severityText || String(l.severityNumber) },
          { header: "message", cell: (l) => bodyText(l.body) }
        ])
      }
    }).pipe(Effect.provide(spanStoreLayer(db)))
).pipe(Command.withDescription("Show one trace as a waterfall, with the logs of each span"))

// logs ----------------------------------------------------------------------------------------

const logColumns: ReadonlyArray<Output.Column<Span.LogRecord>> = [
  { header: "time", cell: (l) => time(l.timeUs) },
  { header: "service", cell: (l) => l.service },
  { header: "severity", cell: (l) => l.severityText || String(l.severityNumber) },
  { header: "trace", cell: (l) => l.traceId },
  { header: "message", cell: (l) => bodyText(l.body) }
]

const logs = query(
  "logs",
  "1h",
  {
    service: Options.text("service").pipe(Options.optional, Options.withDescription("Service name or entity ref")),
    traceId: Options.text("trace").pipe(Options.optional, Options.withDescription("Only the logs of this trace (32 hex digits)")),
    severity: Options.choice("severity", ["trace", "debug", "info", "warn", "error", "fatal"]).pipe(Options.optional, Options.withDescription("Minimum severity")),
    grep: Options.text("grep").pipe(Options.optional, Options.withDescription("Only records whose message contains this text")),
    follow: Options.boolean("follow").pipe(Options.withAlias("f"), Options.withDescription("Keep printing new records as they arrive (Ctrl-C stops)")),
    limit: Options.integer("limit").pipe(Options.withDefault(100), Options.withDescription("How many records (default 100)"))
  },
  (o, store) =>
    Effect.gen(function*() {
      const filter = {
        service: Option.getOrUndefined(o.service),
        traceId: Option.getOrUndefined(o.traceId),
        minSeverity: Option.getOrUndefined(Option.map(o.severity, (s) => SEVERITIES[s]!)),
        contains: Option.getOrUndefined(o.grep)
      }
      const found = [...(yield* store.logs({ ...filter, since: yield* parseSince(o.since), limit: o.limit }))].reverse()
      const print = (records: ReadonlyArray<Span.LogRecord>, header: boolean) =>
        o.format === "json"
          ? Effect.forEach(records, (r) => Console.log(JSON.stringify(r)), { discard: true })
          : header
          ? Output.printTable(records, logColumns, "(no log records in the window)")
          : Effect.forEach(records, (r) => Console.log(Output.visible(`${time(r.timeUs)}  ${r.service}  ${r.severityText || r.severityNumber}  ${r.traceId}  ${bodyText(r.body)}`)), { discard: true })
      if (!o.follow) {
        if (o.format === "json") return yield* Output.printJson({ since: o.since, logs: found })
        return yield* print(found, true)
      }
      yield* print(found, o.format !== "json")
      // Follow: poll for newer records; records of the last seen microsecond are kept to skip repeats.
      let lastUs = found.at(-1)?.timeUs ?? Date.now() * 1000
      let seen = new Set(found.filter((r) => r.timeUs === lastUs).map((r) => JSON.stringify(r)))
      while (true) {
        yield* Effect.sleep("1 second")
        const fresh = (yield* store.logs({ ...filter, from: new Date(lastUs / 1000), until: new Date(Date.now() + 1000), oldestFirst: true, limit: 10_000 }))
          .filter((r) => r.timeUs > lastUs || !seen.has(JSON.stringify(r)))
        if (fresh.length === 0) continue
        yield* print(fresh, false)
        lastUs = fresh.at(-1)!.timeUs
        seen = new Set([...(fresh.at(-1)!.timeUs === lastUs ? seen : []), ...fresh.filter((r) => r.timeUs === lastUs).map((r) => JSON.stringify(r))])
      }
    })
).pipe(Command.withDescription("Search stored log records by service, trace, severity and text; --follow for new ones"))

// metrics -------------------------------------------------------------------------------------

const ownersOf = (db: Option.Option<string>) =>
  catalogEntities([], db).pipe(
    Effect.map((entities) => {
      const owners = new Map<string, string>()
      for (const e of entities) {
        const owner = (e.spec as { owner?: unknown } | undefined)?.owner
        if (typeof owner === "string") owners.set(`${e.kind}:${e.metadata.namespace ?? "default"}/${e.metadata.name}`.toLowerCase(), owner)
      }
      return owners
    }),
    // Owners are a courtesy: metrics are listed even without a catalog.
    Effect.catchAll(() => Effect.succeed(new Map<string, string>()))
  )

const attributesText = (attributes: Span.Attributes): string =>
  Object.entries(attributes).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ")

const num = (n: number | undefined): string => (n === undefined ? "" : Number.isInteger(n) ? String(n) : n.toPrecision(6).replace(/\.?0+$/, ""))

const metrics = query(
  "metrics",
  "1h",
  {
    service: Options.text("service").pipe(Options.optional, Options.withDescription("Service name or entity ref")),
    name: Options.text("name").pipe(Options.optional, Options.withDescription("Metric name")),
    series: Options.text("series").pipe(Options.optional, Options.withDescription("Show this series (its id from the list) minute by minute"))
  },
  (o, store) =>
    Effect.gen(function*() {
      const window = { since: yield* parseSince(o.since) }
      const list = Option.isSome(o.series)
        ? []
        : yield* store.metricSeries({ ...window, service: Option.getOrUndefined(o.service), name: Option.getOrUndefined(o.name) })
      const seriesId = Option.isSome(o.series) ? o.series.value : list.length === 1 && Option.isSome(o.name) ? list[0]!.seriesId : undefined
      if (seriesId !== undefined) {
        const found = yield* store.metricWindow(seriesId, window)
        if (Option.isNone(found)) return yield* new Output.UsageError({ summary: `no metric series ${seriesId} in the store (list them with paved observe metrics)` })
        const w = found.value
        const owner = (yield* ownersOf(o.db)).get(w.series.entityRef)
        if (o.format === "json") return yield* Output.printJson({ since: o.since, owner: owner ?? null, ...w })
        const values = w.minutes.map((m) => (w.series.kind === "histogram" || w.series.kind === "exponentialHistogram" ? m.count : m.value))
        yield* Console.log(Output.visible(`${w.series.service}  ${w.series.name}${w.series.unit ? ` (${w.series.unit})` : ""}  ${w.series.kind}${w.series.monotonic ? ", monotonic" : ""}  ${attributesText(w.series.attributes)}${owner ? `  owner ${owner}` : ""}`))
        yield* Console.log(`${Metric.sparkline(values)}  total ${num(w.total)}${w.ratePerSecond === undefined ? "" : `  rate ${num(w.ratePerSecond)}/s`}  over ${w.minutes.length} minutes`)
        return yield* Output.printTable(w.minutes, [
          { header: "minute", cell: (m) => time(m.minuteUs) },
          { header: "value", cell: (m) => num(m.value) },
          { header: "rate/s", cell: (m) => num(m.ratePerSecond) },
          { header: "min", cell: (m) => num(m.min) },
          { header: "max", cell: (m) => num(m.max) },
          { header: "count", cell: (m) => (m.count === 0 ? "" : m.count) },
          { header: "buckets", cell: (m) => (m.buckets.length === 0 ? "" : m.bounds.map((b, i) => `≤${b}:${m.buckets[i]}`).concat(`>${m.bounds.at(-1)}:${m.buckets.at(-1)}`).join(" ")) }
        ], "(no points in the window)")
      }
      const owners = yield* ownersOf(o.db)
      if (o.format === "json") return yield* Output.printJson({ since: o.since, series: list.map((s) => ({ ...s, owner: owners.get(s.entityRef) ?? null })) })
      yield* Output.printTable(list, [
        { header: "service", cell: (s) => s.service },
        { header: "owner", cell: (s) => owners.get(s.entityRef) ?? "" },
        { header: "metric", cell: (s) => s.name },
        { header: "kind", cell: (s) => `${s.kind}${s.monotonic ? "+" : ""}` },
        { header: "unit", cell: (s) => s.unit },
        { header: "attributes", cell: (s) => attributesText(s.attributes) },
        { header: "last", cell: (s) => num(s.lastValue) },
        { header: "series", cell: (s) => s.seriesId }
      ], "(no metrics in the window: point OTLP metrics at paved observe serve)")
    })
).pipe(Command.withDescription("Metric series by service (owners from the catalog); --series ID shows one over the window"))

// red -----------------------------------------------------------------------------------------

const redColumns: ReadonlyArray<Output.Column<SpanStore.RedRow>> = [
  { header: "service", cell: (r) => r.service },
  { header: "operation", cell: (r) => r.operation },
  { header: "count", cell: (r) => r.count },
  { header: "rate/s", cell: (r) => r.ratePerSecond.toFixed(3) },
  { header: "errors", cell: (r) => `${(r.errorRatio * 100).toFixed(1)}%` },
  { header: "p50 ms", cell: (r) => r.p50Ms },
  { header: "p95 ms", cell: (r) => r.p95Ms },
  { header: "p99 ms", cell: (r) => r.p99Ms }
]

const red = query(
  "red",
  "15m",
  {
    service: Options.text("service").pipe(Options.optional, Options.withDescription("Service name or entity ref")),
    operation: Options.text("operation").pipe(Options.optional, Options.withDescription("Span name")),
    by: Options.choice("by", ["operation", "service"]).pipe(Options.withDefault("operation" as const), Options.withDescription("One row per operation (default) or per service"))
  },
  (o, store) =>
    Effect.gen(function*() {
      const rows = yield* store.red({
        since: yield* parseSince(o.since),
        service: Option.getOrUndefined(o.service),
        operation: Option.getOrUndefined(o.operation),
        groupBy: o.by
      })
      if (o.format === "json") return yield* Output.printJson({ since: o.since, red: rows })
      yield* Output.printTable(rows, redColumns, "(no requests in the window)")
    })
).pipe(Command.withDescription("Rate, errors and duration percentiles per service and operation"))

// map -----------------------------------------------------------------------------------------

const map = query("map", "1h", {}, (o, store) =>
  Effect.gen(function*() {
    const edges = yield* store.serviceMap({ since: yield* parseSince(o.since) })
    if (o.format === "json") return yield* Output.printJson({ since: o.since, edges })
    yield* Output.printTable(edges, [
      { header: "from", cell: (e) => e.source },
      { header: "to", cell: (e) => e.target },
      { header: "via", cell: (e) => e.via },
      { header: "calls", cell: (e) => e.calls },
      { header: "errors", cell: (e) => e.errors }
    ], "(no calls between services in the window)")
  })).pipe(Command.withDescription("Service map: who calls whom, from the spans"))

// catalog input for drift and team ------------------------------------------------------------

const catalogPaths = Args.text({ name: "PATH" }).pipe(
  Args.withDescription("Catalog files, directories or globs; default: the catalog store (--db)"),
  Args.repeated
)

const catalogEntities = (paths: ReadonlyArray<string>, db: Option.Option<string>) =>
  paths.length > 0
    ? Effect.gen(function*() {
      const result = yield* Catalog.load(paths)
      const errors = result.problems.filter((p) => p.severity === "error").length
      if (errors > 0) yield* Output.diagnostic(`note: ${errors} catalog problems; drift uses the ${result.entities.length} valid entities (see paved catalog validate)`)
      return result.entities.map((e) => e.entity)
    })
    : Stream.runCollect(Stream.map(CatalogStore.stream({}, { pageSize: 500 }), (item): Entity.Entity => item.entity)).pipe(
      Effect.map(Chunk.toReadonlyArray),
      Effect.provide(Store.layer(db))
    )

const drift = query("drift", "1h", { paths: catalogPaths }, (o, store) =>
  Effect.gen(function*() {
    const entities = yield* catalogEntities(o.paths, o.db)
    const report = yield* Drift.compute(store, entities, { since: yield* parseSince(o.since) })
    if (o.format === "json") yield* Output.printJson({ since: o.since, ...report })
    else {
      yield* Console.log("Observed but not declared:")
      yield* Output.printTable(report.undeclared, [
        { header: "from", cell: (e) => e.sourceRef },
        { header: "to", cell: (e) => e.targetRef || `${e.target} (not in the catalog)` },
        { header: "via", cell: (e) => e.via },
        { header: "calls", cell: (e) => e.calls }
      ])
      yield* Console.log("\nDeclared but not observed:")
      yield* Output.printTable(report.unobserved, [
        { header: "from", cell: (e) => e.sourceRef },
        { header: "to", cell: (e) => e.targetRef },
        { header: "declared by", cell: (e) => (e.api === undefined ? e.relation : `${e.relation} ${e.api}`) }
      ])
      yield* Console.log("\nServices the catalog does not know:")
      yield* Output.printTable(report.unknownServices, [
        { header: "service", cell: (s) => s.service },
        { header: "ref", cell: (s) => s.entityRef },
        { header: "spans", cell: (s) => s.spans }
      ])
    }
    if (report.drift) {
      return yield* new Output.CheckFailed({
        summary: `drift: ${report.undeclared.length} undeclared, ${report.unobserved.length} unobserved, ${report.unknownServices.length} unknown services`
      })
    }
  })).pipe(Command.withDescription("Compare the service map with the catalog's declared dependencies (exit 1 on drift)"))

const team = query(
  "team",
  "1h",
  { group: Args.text({ name: "GROUP" }).pipe(Args.withDescription("Group ref or name (group:default/payments)")), paths: catalogPaths },
  (o, store) =>
    Effect.gen(function*() {
      const entities = yield* catalogEntities(o.paths, o.db)
      const group = o.group.includes(":") ? o.group : `group:${o.group.includes("/") ? o.group : `default/${o.group}`}`
      const view = yield* TeamView.compute(store, entities, group, { since: yield* parseSince(o.since) })
      if (o.format === "json") return yield* Output.printJson(view)
      yield* Console.log(`${view.group} (with ${view.groups.length - 1} child groups): ${view.entities.length} entities`)
      yield* Output.printTable(view.entities, [
        { header: "entity", cell: (e) => e.ref },
        { header: "owner", cell: (e) => e.owner },
        { header: "requests", cell: (e) => e.red?.count ?? 0 },
        { header: "errors", cell: (e) => (e.red === undefined ? "" : `${(e.red.errorRatio * 100).toFixed(1)}%`) },
        { header: "p95 ms", cell: (e) => e.red?.p95Ms ?? "" }
      ], "(the group owns nothing)")
    })
).pipe(Command.withDescription("Everything a group owns, with its RED"))

const mb = (bytes: number | undefined) => (bytes === undefined ? "" : `${(bytes / 1048576).toFixed(1)} MiB`)
const delay = (value: number | undefined) => (value === undefined ? "" : `${value.toFixed(1)} ms`)

const signals = query("signals", "1h", { paths: catalogPaths }, (o, store) =>
  Effect.gen(function*() {
    const entities = yield* catalogEntities(o.paths, o.db).pipe(
      // Without a catalog the services are still listed, only without owners.
      Effect.catchAll((error) => Effect.as(Output.diagnostic(`note: no owners (${Output.messageOf(error)})`), []))
    )
    const result = yield* GoldenSignals.compute(store, entities, { since: yield* parseSince(o.since) })
    if (o.format === "json") return yield* Output.printJson({ since: o.since, ...result })
    yield* Console.log("Per service:")
    yield* Output.printTable(result.services, [
      { header: "service", cell: (s) => s.service },
      { header: "owner", cell: (s) => s.owner ?? "" },
      { header: "rate/s", cell: (s) => (s.red === undefined ? "" : s.red.ratePerSecond.toFixed(3)) },
      { header: "errors", cell: (s) => (s.red === undefined ? "" : `${(s.red.errorRatio * 100).toFixed(1)}%`) },
      { header: "p95 ms", cell: (s) => s.red?.p95Ms ?? "" },
      { header: "memory", cell: (s) => mb(s.runtime.memoryBytes) },
      { header: "loop delay", cell: (s) => delay(s.runtime.eventLoopDelayMs) },
      { header: "series", cell: (s) => s.runtime.metricSeries }
    ], "(no telemetry in the window)")
    yield* Console.log("\nPer team:")
    yield* Output.printTable(result.teams, [
      { header: "team", cell: (t) => t.owner },
      { header: "services", cell: (t) => t.services.length },
      { header: "requests", cell: (t) => t.requests },
      { header: "rate/s", cell: (t) => t.ratePerSecond.toFixed(3) },
      { header: "errors", cell: (t) => `${(t.errorRatio * 100).toFixed(1)}%` },
      { header: "worst p95 ms", cell: (t) => t.worstP95Ms },
      { header: "memory", cell: (t) => mb(t.memoryBytes) },
      { header: "max loop delay", cell: (t) => delay(t.maxEventLoopDelayMs) }
    ], "(no owned service sent telemetry)")
  })).pipe(
    Command.withDescription("Golden signals per service and team: RED from spans, memory and event-loop delay from metrics")
  )

/**
 * The `observe` command group.
 *
 * @since 0.1.0
 */
export const observe = Command.make("observe").pipe(
  Command.withDescription("Telemetry: the embedded OTLP receiver, traces, RED, service map and drift against the catalog"),
  Command.withSubcommands([serve, traces, trace, logs, metrics, red, map, drift, team, signals])
)
