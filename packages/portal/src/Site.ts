/**
 * What the portal shows, gathered once per build (or per store change when serving) through
 * the packages' public services: the catalog store (entities, history), scorecards and
 * ownership health (`@paved/catalog`), golden-path currency and conformance (`@paved/golden`),
 * environments (`@paved/envs`) and telemetry (`@paved/observe`). Only the catalog store is
 * required; every other service is read when the context holds it, and a page whose data is
 * absent says so.
 *
 * @since 0.1.0
 */
import { FileSystem } from "@effect/platform/FileSystem"
import { Path } from "@effect/platform/Path"
import { CatalogStore, CatalogView, Facts, OwnershipHealth, Scorecard, ScoreStore } from "@paved/catalog"
import type { HistoryEntry } from "@paved/catalog/History"
import { EnvStore } from "@paved/envs"
import type { EnvironmentRecord } from "@paved/envs/Environment"
import { Conformance, Currency, TemplateRegistry } from "@paved/golden"
import { Drift, SpanStore } from "@paved/observe"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as fs from "node:fs"
import * as nodePath from "node:path"

/**
 * The portal could not read what it must show (the catalog store). The message names the
 * operation and what to check.
 *
 * @since 0.1.0
 */
export class PortalError extends Data.TaggedError("PortalError")<{
  readonly operation: string
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `portal: ${this.operation} failed: ${this.detail}`
  }
}

/**
 * Telemetry for the observe sections: RED per service, recent traces per entity ref and the
 * dependency drift, all over `window`.
 *
 * @since 0.1.0
 */
export interface ObserveData {
  readonly window: { readonly from: string; readonly until: string }
  readonly red: ReadonlyArray<SpanStore.RedRow>
  readonly traces: ReadonlyMap<string, ReadonlyArray<SpanStore.TraceSummary>>
  readonly drift: Drift.DriftReport
}

/**
 * Scorecard history from the `ScoreStore`: the runs, and per entity its stored evaluations.
 *
 * @since 0.1.0
 */
export interface ScoreHistory {
  readonly runs: ReadonlyArray<ScoreStore.Run>
  readonly byEntity: ReadonlyMap<string, ReadonlyArray<ScoreStore.HistoryPoint>>
}

/**
 * A section that could not be read, and why (shown on the pages instead of the section).
 *
 * @since 0.1.0
 */
export interface Unavailable {
  readonly _tag: "Unavailable"
  readonly reason: string
}

/**
 * Golden-path currency of one entity, with the conformance of its service directory when the
 * directory is on this machine.
 *
 * @since 0.1.0
 */
export interface GoldenStatus {
  readonly currency: Currency.EntityCurrency
  readonly conformance: Conformance.ServiceCheck | Unavailable | undefined
}

/**
 * Everything the pages are rendered from.
 *
 * @since 0.1.0
 */
export interface SiteData {
  readonly generatedAt: string
  readonly entities: ReadonlyArray<CatalogStore.StoredEntity>
  readonly scorecard: Scorecard.Report
  readonly ownership: OwnershipHealth.Report
  readonly golden: ReadonlyMap<string, GoldenStatus> | Unavailable
  readonly history: ReadonlyArray<HistoryEntry>
  readonly scoreHistory: ScoreHistory | Unavailable
  readonly observe: ObserveData | Unavailable
  readonly environments: ReadonlyArray<EnvironmentRecord> | Unavailable
}

/**
 * What to collect: an earlier snapshot or the departed groups for ownership health (as
 * `OwnershipHealth.report` takes them), the scorecard (default: the built-in one), the
 * telemetry window (default: the last 24 hours) and how many history entries to show.
 *
 * @since 0.1.0
 */
export interface CollectOptions {
  readonly previous?: CatalogView.CatalogView | undefined
  readonly departures?: ReadonlyArray<OwnershipHealth.Departure> | undefined
  readonly scorecard?: Scorecard.Scorecard | undefined
  readonly observeWindowMs?: number | undefined
  readonly historyLimit?: number | undefined
  readonly tracesPerService?: number | undefined
}

/**
 * Whether a section value is the "could not read" marker.
 *
 * @since 0.1.0
 */
export const isUnavailable = (value: unknown): value is Unavailable =>
  typeof value === "object" && value !== null && (value as { _tag?: unknown })._tag === "Unavailable"

const unavailable = (reason: string): Unavailable => ({ _tag: "Unavailable", reason })

const storeError = (operation: string) => (cause: { readonly message: string }) =>
  new PortalError({ operation, detail: `${cause.message}; check that --db points at an ingested catalog store`, cause })

/** Every stored entity, page by page in ref order. */
const readEntities = (store: CatalogStore.CatalogStore["Type"]) =>
  CatalogStore.stream({}, { pageSize: 2000 }).pipe(
    Stream.runCollect,
    Effect.map(Chunk.toReadonlyArray),
    Effect.provideService(CatalogStore.CatalogStore, store)
  )

const scoreHistory = (store: ScoreStore.ScoreStore["Type"], refs: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const runs = yield* store.runs(50)
    const byEntity = new Map<string, ReadonlyArray<ScoreStore.HistoryPoint>>()
    if (runs.length > 0) {
      for (const ref of refs) {
        const points = yield* store.history(ref as never, { limit: 50 })
        if (points.length > 0) byEntity.set(ref, points)
      }
    }
    return { runs, byEntity } satisfies ScoreHistory
  })

const observeData = (
  spans: SpanStore.Query,
  entities: ReadonlyArray<CatalogStore.StoredEntity>,
  windowMs: number,
  perService: number
) =>
  Effect.gen(function*() {
    const until = new Date()
    const window = { from: new Date(until.getTime() - windowMs), until }
    const red = yield* spans.red({ ...window, groupBy: "service" })
    const drift = yield* Drift.compute(spans, entities.map((e) => e.entity), window)
    const observed = yield* spans.services(window)
    const traces = new Map<string, ReadonlyArray<SpanStore.TraceSummary>>()
    for (const service of observed) {
      const found = yield* spans.searchTraces({ ...window, service: service.service, limit: perService })
      if (service.entityRef.length > 0) traces.set(service.entityRef, found)
    }
    return { window: { from: window.from.toISOString(), until: until.toISOString() }, red, traces, drift } satisfies ObserveData
  })

/** The service directory of an entity whose catalog file sits beside a golden-path manifest. */
const serviceDirectory = (entity: CatalogStore.StoredEntity): string | undefined => {
  if (entity.file.length === 0 || !nodePath.isAbsolute(entity.file)) return undefined
  const dir = nodePath.dirname(entity.file)
  return fs.existsSync(nodePath.join(dir, ".paved", "template.json")) ? dir : undefined
}

const goldenData = (
  entities: ReadonlyArray<CatalogStore.StoredEntity>,
  registry: TemplateRegistry.TemplateRegistry["Type"],
  platform: Option.Option<Context.Context<FileSystem | Path>>
) =>
  Effect.gen(function*() {
    const rows = yield* Currency.ofEntities(entities.map((e) => e.entity)).pipe(
      Effect.provideService(TemplateRegistry.TemplateRegistry, registry)
    )
    const byRef = new Map(entities.map((e) => [e.ref as string, e]))
    const out = new Map<string, GoldenStatus>()
    for (const currency of rows) {
      const stored = byRef.get(currency.ref)
      const dir = stored === undefined ? undefined : serviceDirectory(stored)
      let conformance: GoldenStatus["conformance"] = undefined
      if (dir !== undefined && Option.isSome(platform)) {
        conformance = yield* Conformance.checkService(dir).pipe(
          Effect.provide(platform.value),
          Effect.provideService(TemplateRegistry.TemplateRegistry, registry),
          Effect.catchAll((e) => Effect.succeed(unavailable(`conformance could not be checked in ${dir}: ${e.message}`)))
        )
      }
      out.set(currency.ref, { currency, conformance })
    }
    return out as ReadonlyMap<string, GoldenStatus>
  })

/** The file system and path services, when the caller's context has both. */
const platformContext: Effect.Effect<Option.Option<Context.Context<FileSystem | Path>>> = Effect.gen(function*() {
  const fsOption = yield* Effect.serviceOption(FileSystem)
  const pathOption = yield* Effect.serviceOption(Path)
  if (Option.isNone(fsOption) || Option.isNone(pathOption)) return Option.none()
  return Option.some(Context.make(FileSystem, fsOption.value).pipe(Context.add(Path, pathOption.value)))
})

/**
 * Reads everything the pages show. Requires the `CatalogStore`; reads the `ScoreStore`,
 * the telemetry read side (`SpanStore.TelemetryQuery`, which every span store layer provides),
 * `EnvStore`, `TemplateRegistry` and `Facts` services when the context holds
 * them (conformance also needs `FileSystem` and `Path`), and marks a section unavailable with
 * the reason when its service is missing or fails.
 *
 * @since 0.1.0
 */
export const collect = (
  options: CollectOptions = {}
): Effect.Effect<SiteData, PortalError, CatalogStore.CatalogStore> =>
  Effect.gen(function*() {
    const store = yield* CatalogStore.CatalogStore
    const entities = yield* readEntities(store).pipe(Effect.mapError(storeError("reading the catalog")))
    const history = yield* store.history({ limit: options.historyLimit ?? 500 }).pipe(Effect.mapError(storeError("reading the history")))
    const view = CatalogView.fromEntities(entities.map((e) => e.entity))

    const facts = yield* Effect.serviceOption(Facts.Facts)
    const scorecard = yield* Scorecard.evaluate(options.scorecard ?? Scorecard.defaultScorecard, view).pipe(
      Effect.provideService(Facts.Facts, Option.getOrElse(facts, () => Facts.make([])))
    )
    const ownership = OwnershipHealth.report(view, { previous: options.previous, departures: options.departures })

    const registry = yield* Effect.serviceOption(TemplateRegistry.TemplateRegistry)
    const platform = yield* platformContext
    const golden = Option.isNone(registry)
      ? unavailable("no template registry was given, so golden-path currency is not shown")
      : yield* goldenData(entities, registry.value, platform).pipe(
        Effect.catchAll((e) => Effect.succeed(unavailable(e.message)))
      )

    const scores = yield* Effect.serviceOption(ScoreStore.ScoreStore)
    const scoreHist = Option.isNone(scores)
      ? unavailable("no score store: scorecard history appears once paved score has recorded runs")
      : yield* scoreHistory(scores.value, entities.map((e) => e.ref)).pipe(Effect.catchAll((e) => Effect.succeed(unavailable(e.message))))

    const spans = yield* Effect.serviceOption(SpanStore.TelemetryQuery)
    const observe = Option.isNone(spans)
      ? unavailable("no span store: telemetry appears when services send traces to paved observe serve")
      : yield* observeData(spans.value, entities, options.observeWindowMs ?? 24 * 3600_000, options.tracesPerService ?? 5).pipe(
        Effect.catchAll((e) => Effect.succeed(unavailable(e.message)))
      )

    const envStore = yield* Effect.serviceOption(EnvStore.EnvStore)
    const environments = Option.isNone(envStore)
      ? unavailable("no environment store: environments appear once paved env up has run")
      : yield* envStore.value.list.pipe(
        Effect.map((list) => list.map((s) => s.record)),
        Effect.catchAll((e) => Effect.succeed(unavailable(e.message)))
      )

    const data: SiteData = {
      generatedAt: new Date().toISOString(),
      entities,
      scorecard,
      ownership,
      golden,
      history,
      scoreHistory: scoreHist,
      observe,
      environments
    }
    return data
  })
