/**
 * `paved observe serve|traces|trace|red|map|drift|team`: the embedded OTLP receiver and the
 * telemetry queries. Spans live in the same store as the catalog (`--db URL`, `$PAVED_DB_URL`,
 * default `.paved/paved.db`), so drift and the team view read both from one place.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Catalog, CatalogStore, type Entity } from "@paved/catalog"
import { Drift, Receiver, Span, SpanStore, TeamView } from "@paved/observe"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Output from "../Output.js"
import * as Store from "../Store.js"

const spanStoreLayer = (db: Option.Option<string>): Layer.Layer<SpanStore.SpanStore, Output.UsageError> =>
  Layer.unwrapEffect(
    Effect.map(Store.target(db), (t) => {
      const chosen = t._tag === "pg"
        ? SpanStore.layerPg({ url: t.url })
        : t._tag === "memory"
        ? SpanStore.layerMemory
        : SpanStore.layerSqlite({ filename: t.filename })
      return Layer.mapError(chosen, (error) => new Output.UsageError({ summary: `${error.message} (store: ${Store.describe(t)})` }))
    })
  )

const asUsage = <A, R>(effect: Effect.Effect<A, SpanStore.SpanStoreError | Output.UsageError, R>) =>
  Effect.mapError(effect, (e) => (e instanceof Output.UsageError ? e : new Output.UsageError({ summary: e.message })))

const units: Record<string, Duration.Unit> = { ms: "millis", s: "seconds", m: "minutes", h: "hours", d: "days", w: "weeks" }

/** `15m`, `1h`, `2d`, `500ms` (also `15 minutes`). */
const parseSince = (text: string): Effect.Effect<Duration.Duration, Output.UsageError> => {
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
      const receiver = yield* Receiver.serve({ store, port, host, retention: { maxAge, maxSpans } }).pipe(
        Effect.mapError((e) => new Output.UsageError({ summary: e.message }))
      )
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

const traces = Command.make(
  "traces",
  {
    service: Options.text("service").pipe(Options.optional, Options.withDescription("Service name or entity ref")),
    operation: Options.text("operation").pipe(Options.optional, Options.withDescription("Span name")),
    status: Options.choice("status", ["error", "ok", "unset"]).pipe(Options.optional, Options.withDescription("Span status")),
    minDuration: Options.float("min-duration").pipe(Options.optional, Options.withDescription("Minimum span duration in ms")),
    maxDuration: Options.float("max-duration").pipe(Options.optional, Options.withDescription("Maximum span duration in ms")),
    attribute: Options.keyValueMap("attribute").pipe(Options.optional, Options.withDescription("Span attribute equal to a value: --attribute key=value (repeatable)")),
    limit: Options.integer("limit").pipe(Options.withDefault(20), Options.withDescription("How many traces (default 20)")),
    since: since("1h"),
    db,
    format
  },
  (o) =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
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
    }).pipe(asUsage, Effect.provide(spanStoreLayer(o.db)))
).pipe(Command.withDescription("Search traces by service, operation, status, duration and attributes"))

// trace ---------------------------------------------------------------------------------------

const BAR = 30
const bar = (offsetUs: number, durationUs: number, totalUs: number): string => {
  const scale = totalUs > 0 ? BAR / totalUs : 0
  const start = Math.min(BAR - 1, Math.floor(offsetUs * scale))
  const width = Math.max(1, Math.round(durationUs * scale))
  return " ".repeat(start) + "#".repeat(Math.min(width, BAR - start))
}

const trace = Command.make(
  "trace",
  { traceId: Args.text({ name: "TRACE_ID" }).pipe(Args.withDescription("The 32-hex-digit trace id")), db, format },
  ({ db, format, traceId }) =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const found = yield* store.trace(traceId)
      if (Option.isNone(found)) return yield* new Output.UsageError({ summary: `no trace ${traceId} in the store` })
      const tree = found.value
      if (format === "json") return yield* Output.printJson(tree)
      yield* Console.log(`trace ${tree.traceId}  ${time(tree.startUs)}  ${ms(tree.durationUs)} ms  ${tree.spans.length} spans  ${tree.services.join(", ")}`)
      yield* Output.printTable(tree.spans, [
        { header: "offset ms", cell: (s) => ms(s.offsetUs) },
        { header: "ms", cell: (s) => ms(s.durationUs) },
        { header: "service", cell: (s) => s.service },
        { header: "span", cell: (s) => `${"· ".repeat(s.depth)}${s.name}` },
        { header: "kind", cell: (s) => Span.kindName(s.kind) },
        { header: "status", cell: (s) => (s.status === 2 ? `error${s.statusMessage ? ": " + s.statusMessage : ""}` : s.status === 1 ? "ok" : "") },
        { header: "timeline", cell: (s) => `|${bar(s.offsetUs, s.durationUs, tree.durationUs).padEnd(BAR, ".")}|` }
      ])
    }).pipe(asUsage, Effect.provide(spanStoreLayer(db)))
).pipe(Command.withDescription("Show one trace as a waterfall"))

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

const red = Command.make(
  "red",
  {
    service: Options.text("service").pipe(Options.optional, Options.withDescription("Service name or entity ref")),
    operation: Options.text("operation").pipe(Options.optional, Options.withDescription("Span name")),
    by: Options.choice("by", ["operation", "service"]).pipe(Options.withDefault("operation" as const), Options.withDescription("One row per operation (default) or per service")),
    since: since("15m"),
    db,
    format
  },
  (o) =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
      const rows = yield* store.red({
        since: yield* parseSince(o.since),
        service: Option.getOrUndefined(o.service),
        operation: Option.getOrUndefined(o.operation),
        groupBy: o.by
      })
      if (o.format === "json") return yield* Output.printJson({ since: o.since, red: rows })
      yield* Output.printTable(rows, redColumns, "(no requests in the window)")
    }).pipe(asUsage, Effect.provide(spanStoreLayer(o.db)))
).pipe(Command.withDescription("Rate, errors and duration percentiles per service and operation"))

// map -----------------------------------------------------------------------------------------

const map = Command.make("map", { since: since("1h"), db, format }, (o) =>
  Effect.gen(function*() {
    const store = yield* SpanStore.SpanStore
    const edges = yield* store.serviceMap({ since: yield* parseSince(o.since) })
    if (o.format === "json") return yield* Output.printJson({ since: o.since, edges })
    yield* Output.printTable(edges, [
      { header: "from", cell: (e) => e.source },
      { header: "to", cell: (e) => e.target },
      { header: "via", cell: (e) => e.via },
      { header: "calls", cell: (e) => e.calls },
      { header: "errors", cell: (e) => e.errors }
    ], "(no calls between services in the window)")
  }).pipe(asUsage, Effect.provide(spanStoreLayer(o.db)))).pipe(Command.withDescription("Service map: who calls whom, from the spans"))

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
    : Effect.gen(function*() {
      const store = yield* CatalogStore.CatalogStore
      const entities: Array<Entity.Entity> = []
      let cursor: string | undefined = undefined
      do {
        const page: { readonly items: ReadonlyArray<{ readonly entity: Entity.Entity }>; readonly nextCursor: string | null } =
          yield* store.query({ limit: 500, ...(cursor === undefined ? {} : { cursor }) })
        for (const item of page.items) entities.push(item.entity)
        cursor = page.nextCursor ?? undefined
      } while (cursor !== undefined)
      return entities
    }).pipe(
      Effect.mapError((e) => (e instanceof Output.UsageError ? e : new Output.UsageError({ summary: e.message }))),
      Effect.provide(Store.layer(db))
    )

const drift = Command.make("drift", { paths: catalogPaths, since: since("1h"), db, format }, (o) =>
  Effect.gen(function*() {
    const store = yield* SpanStore.SpanStore
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
  }).pipe(
    Effect.mapError((e) => (e instanceof Output.UsageError || e instanceof Output.CheckFailed ? e : new Output.UsageError({ summary: e.message }))),
    Effect.provide(spanStoreLayer(o.db))
  )).pipe(Command.withDescription("Compare the service map with the catalog's declared dependencies (exit 1 on drift)"))

const team = Command.make(
  "team",
  { group: Args.text({ name: "GROUP" }).pipe(Args.withDescription("Group ref or name (group:default/payments)")), paths: catalogPaths, since: since("1h"), db, format },
  (o) =>
    Effect.gen(function*() {
      const store = yield* SpanStore.SpanStore
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
    }).pipe(asUsage, Effect.provide(spanStoreLayer(o.db)))
).pipe(Command.withDescription("Everything a group owns, with its RED"))

/**
 * The `observe` command group.
 *
 * @since 0.1.0
 */
export const observe = Command.make("observe").pipe(
  Command.withDescription("Telemetry: the embedded OTLP receiver, traces, RED, service map and drift against the catalog"),
  Command.withSubcommands([serve, traces, trace, red, map, drift, team])
)
