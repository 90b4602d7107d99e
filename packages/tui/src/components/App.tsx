/**
 * The TUI container: reads keys, keeps the `AppState` (pure reducer), loads what the current
 * view shows through `useStream`, and hands plain props to the view components.
 */
import { CatalogStore } from "@paved/catalog/CatalogStore"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { type Key as InkKey, Text, useApp, useInput, useStdout } from "ink"
import { useEffect, useMemo, useRef, useState } from "react"
import * as CatalogFeed from "../internal/catalogFeed.js"
import * as PlatformFeed from "../internal/platformFeed.js"
import * as ProvisionFeed from "../internal/provisionFeed.js"
import * as ScoreFeed from "../internal/scoreFeed.js"
import * as Jobs from "../internal/jobs.js"
import { useEffectValue, useRunner, useStream } from "../internal/useStream.js"
import * as App from "../state/app.js"
import * as CatalogIndex from "../state/catalogIndex.js"
import * as Lines from "../state/lines.js"
import * as PlatformLines from "../state/platformLines.js"
import * as ProvisionLines from "../state/provisionLines.js"
import { count } from "../state/text.js"
import { CatalogView, catalogRows } from "./CatalogView.js"
import { bodyHeight, Frame } from "./Frame.js"
import { LineView } from "./LineView.js"
import { commands, confirmPrompt, hintsFor, mutationsFor } from "./keymap.js"
import { CommandBar, Confirm, FacetPicker, Help, helpSections } from "./Overlays.js"

/** The props of {@link PavedApp}. */
export interface PavedAppProps {
  readonly readonly?: boolean
  /** The view to start in (default: the catalog). */
  readonly start?: App.View
  /** The first page of the catalog, when read before the first render. */
  readonly initialCatalog?: CatalogFeed.CatalogSnapshot | undefined
}

/** Converts Ink's key report into the reducer's key. */
export const toKey = (input: string, key: InkKey): App.Key | undefined => {
  if (key.upArrow) return App.named("up")
  if (key.downArrow) return App.named("down")
  if (key.leftArrow) return App.named("left")
  if (key.rightArrow) return App.named("right")
  if (key.pageUp) return App.named("pageup")
  if (key.pageDown) return App.named("pagedown")
  if (key.home) return App.named("home")
  if (key.end) return App.named("end")
  if (key.return) return App.named("enter")
  if (key.escape) return App.named("escape")
  if (key.tab) return App.named("tab")
  // Terminals send DEL (0x7f) for Backspace; Ink reports it as `delete`.
  if (key.backspace || key.delete) return App.named("backspace")
  if (input.length === 0) return undefined
  return App.char(input, key.ctrl)
}

const empty = CatalogIndex.empty()

/** Up to this many entities, the entity and owner views evaluate the scorecard on their own. */
const SCORE_ON_OPEN_LIMIT = 5000

const useTerminalSize = (): { readonly columns: number; readonly rows: number } => {
  const { stdout } = useStdout()
  const read = () => ({ columns: stdout.columns > 0 ? stdout.columns : 80, rows: stdout.rows > 0 ? stdout.rows : 24 })
  const [size, setSize] = useState(read)
  useEffect(() => {
    const onResize = () => setSize(read())
    stdout.on("resize", onResize)
    return () => {
      stdout.off("resize", onResize)
    }
  }, [stdout])
  return size
}

const crumb = (v: App.View): string => (v.subject.length > 0 ? `${v.kind} ${v.subject}` : v.kind)

/** The Paved TUI. */
export const PavedApp = (props: PavedAppProps) => {
  const { exit } = useApp()
  const { columns: width, rows: height } = useTerminalSize()
  const [state, setState] = useState(() => App.initial({ readonly: props.readonly ?? false, ...(props.start === undefined ? {} : { start: props.start }) }))
  const top = App.current(state)
  const body = bodyHeight(height)

  const catalog = useStream(() => CatalogFeed.live(), [])
  const snapshot = catalog.value ?? props.initialCatalog
  const index = snapshot?.index ?? empty
  const catalogLoaded = snapshot !== undefined && snapshot.loaded >= snapshot.total
  const previous = useRef<CatalogIndex.SearchResult | undefined>(undefined)
  const result = useMemo(() => {
    const r = CatalogIndex.search(index, state.filter, previous.current)
    previous.current = r
    return r
  }, [index, catalog.version, state.filter])

  const stored = useEffectValue(
    () => (top.kind === "entity" ? Effect.flatMap(CatalogStore, (s) => s.get(top.subject)) : undefined),
    [top.kind, top.subject]
  )
  const edges = useEffectValue(
    () =>
      top.kind === "graph"
        ? Effect.flatMap(CatalogStore, (s) =>
          Effect.all([s.edges([top.subject], { direction: "out" }), s.edges([top.subject], { direction: "in" })]))
        : undefined,
    [top.kind, top.subject]
  )

  // The scorecard needs the whole catalog: evaluated when the scorecards view opens, or for the
  // entity and owner views when the catalog is small enough to read at once; then kept.
  const [scoresWanted, setScoresWanted] = useState(false)
  const wantsScores = top.kind === "scorecards" ||
    ((top.kind === "entity" || top.kind === "owned") && catalogLoaded && index.rows.length <= SCORE_ON_OPEN_LIMIT)
  useEffect(() => {
    if (wantsScores && !scoresWanted) setScoresWanted(true)
  }, [wantsScores, scoresWanted])
  const scores = useEffectValue(() => (scoresWanted ? ScoreFeed.evaluate() : undefined), [scoresWanted])
  const report = scores.value

  const wantsTelemetry = top.kind === "traces" || top.kind === "entity"
  const service = top.kind === "traces" && top.subject.length > 0 ? top.subject : undefined
  const telemetry = useStream(() => (wantsTelemetry ? PlatformFeed.telemetry(service) : undefined), [wantsTelemetry, service])
  const trace = useEffectValue(() => (top.kind === "trace" ? PlatformFeed.trace(top.subject) : undefined), [top.kind, top.subject])
  const wantsEnvs = top.kind === "envs" || top.kind === "env" || top.kind === "entity"
  const envs = useStream(() => (wantsEnvs ? PlatformFeed.environments() : undefined), [wantsEnvs])

  const planned = useEffectValue(() => (top.kind === "provision" ? ProvisionFeed.plan(top.subject) : undefined), [top.kind, top.subject])

  const [jobs, setJobs] = useState<Readonly<Record<string, Jobs.JobState>>>({})
  const runEffect = useRunner()
  useEffect(() => {
    if (state.pending === undefined) return
    const started = App.startPending(state)
    setState(started.state)
    const mutation = started.mutation!
    setJobs((all) => ({ ...all, [mutation.describe]: { lines: [], status: "running" } }))
    runEffect(Jobs.run(mutation, (f) => setJobs((all) => ({ ...all, [mutation.describe]: f(all[mutation.describe]!) }))))
  }, [state.pending])

  const lines = useMemo((): ReadonlyArray<Lines.Line> => {
    switch (top.kind) {
      case "entity": {
        if (stored.error !== undefined) return [{ text: stored.error, style: "error" }]
        if (stored.value === undefined) return [{ text: "loading…", style: "dim" }]
        return Option.match(stored.value, {
          onNone: () => [{ text: `${top.subject} is not in the catalog`, style: "warning" }],
          onSome: (s) => {
            const score = report === undefined ? undefined : Lines.scoreSection(report, s.ref)
            const envSection = Option.match(envs.value ?? Option.none(), {
              onNone: () => [],
              onSome: (all) => [PlatformLines.entityEnvironments(all, s.ref)]
            })
            const telemetrySection = Option.match(telemetry.value ?? Option.none(), {
              onNone: () => [],
              onSome: (t) => [PlatformLines.entityTelemetry(t, s.ref, s.entity.metadata.name)]
            })
            return Lines.entityDetail(s, [...(score === undefined ? [] : [score]), ...envSection, ...telemetrySection])
          }
        })
      }
      case "graph":
        if (edges.error !== undefined) return [{ text: edges.error, style: "error" }]
        return edges.value === undefined ? [{ text: "loading…", style: "dim" }] : Lines.neighbours(top.subject, edges.value[0], edges.value[1])
      case "owners":
        return Lines.owners(index, CatalogIndex.search(index, "").matches)
      case "owned": {
        const byRef = new Map((report?.entities ?? []).map((e) => [e.ref as string, e]))
        return Lines.owned(index, top.subject, (ref) => {
          const score = byRef.get(ref)
          return score === undefined ? undefined : Lines.levelHealth(score)
        })
      }
      case "traces":
        if (telemetry.error !== undefined) return [{ text: telemetry.error, style: "error" }]
        if (telemetry.value === undefined) return [{ text: "loading…", style: "dim" }]
        return Option.match(telemetry.value, {
          onNone: () => [{ text: "no span store in this session: open paved ui with --db (spans live in the catalog store)", style: "warning" }],
          onSome: PlatformLines.telemetry
        })
      case "trace":
        if (trace.error !== undefined) return [{ text: trace.error, style: "error" }]
        if (trace.value === undefined) return [{ text: "loading…", style: "dim" }]
        return Option.match(trace.value, {
          onNone: () => [{ text: "no span store in this session: open paved ui with --db", style: "warning" }],
          onSome: Option.match({
            onNone: () => [{ text: `no trace ${top.subject} in the span store`, style: "warning" }],
            onSome: (tree) => PlatformLines.waterfall(tree)
          })
        })
      case "envs":
      case "env": {
        if (envs.error !== undefined) return [{ text: envs.error, style: "error" }]
        if (envs.value === undefined) return [{ text: "loading…", style: "dim" }]
        const now = Date.now()
        return Option.match(envs.value, {
          onNone: () => [{ text: "no environment store in this session: open paved ui with --db", style: "warning" }],
          onSome: (all) => {
            if (top.kind === "envs") return PlatformLines.environments(all, now)
            const record = all.find((r) => r.name === top.subject)
            return record === undefined
              ? [{ text: `no environment named ${top.subject}`, style: "warning" }]
              : PlatformLines.environment(record, now, (file) => PlatformFeed.logTail(file))
          }
        })
      }
      case "job": {
        const job = jobs[top.subject]
        if (job === undefined) return [{ text: top.subject, style: "heading" }]
        return [
          { text: `${top.subject}: ${job.status}`, style: job.status === "failed" ? "error" : job.status === "done" ? "ok" : "heading" },
          ...job.lines.map((l): Lines.Line => ({ text: `  ${l}`, style: l.startsWith("failed") ? "error" : "text" }))
        ]
      }
      case "provision":
        if (planned.error !== undefined) return [{ text: planned.error, style: "error" }]
        if (planned.value === undefined) return [{ text: "planning…", style: "dim" }]
        return Option.match(planned.value, {
          onNone: () => [{ text: ProvisionFeed.missing, style: "warning" }],
          onSome: ProvisionLines.planDiff
        })
      case "scorecards":
        if (scores.error !== undefined) return [{ text: scores.error, style: "error" }]
        return report === undefined ? [{ text: "evaluating the scorecard over the catalog…", style: "dim" }] : Lines.scorecards(report)
      default:
        return []
    }
  }, [top.kind, top.subject, stored, edges, index, catalog.version, report, scores.error, telemetry, trace, envs, jobs, planned])

  const shortcuts = useMemo((): Readonly<Record<string, App.View>> => {
    if (top.kind !== "entity" || stored.value === undefined || Option.isNone(stored.value)) return {}
    const owner = CatalogIndex.rowOf(stored.value.value.entity).ownerLabel
    // A component with a workload (paved.dev/workload, or score.yaml beside its catalog file):
    // `p` plans its resources for `dev`.
    const score = ProvisionFeed.workloadOf(stored.value.value.entity, stored.value.value.file)
    return {
      n: App.view("graph", top.subject),
      ...(owner.length > 0 ? { o: App.view("owned", owner.toLowerCase()) } : {}),
      ...(score === undefined ? {} : { p: App.view("provision", `dev ${score}`) })
    }
  }, [top.kind, top.subject, stored])

  // Something to apply: a plan (there is provisioning state in this session) with changes.
  const canApply = planned.value !== undefined && Option.isSome(planned.value) &&
    planned.value.value.changes.some((c) => c.action !== "no-op")
  const isCatalog = top.kind === "catalog"
  const ctx: App.Context = {
    count: isCatalog ? result.matches.length : lines.length,
    height: isCatalog ? catalogRows(body) : body,
    openAt: (row) => {
      if (isCatalog) {
        const r = result.matches[row]
        return r === undefined ? undefined : App.view("entity", index.rows[r]!.ref)
      }
      return lines[row]?.open
    },
    commands: commands(),
    facetValues: (facet) => CatalogIndex.facetCounts(index, result.matches, facet, 200).map((v) => v.value),
    shortcuts,
    mutations: mutationsFor(top, lines, canApply),
    keyAt: isCatalog ? undefined : (row) => App.rowKey(lines[row]?.open)
  }
  const ctxRef = useRef(ctx)
  ctxRef.current = ctx
  // The selection as it belongs over the rows on screen now (it follows its row when rows
  // arrive): the screen draws it and keys act on it, so the highlight is what Enter opens.
  const shown = App.current(App.follow(state, ctx))
  useEffect(() => {
    setState((s) => App.follow(s, ctxRef.current))
  }, [lines])

  useInput((input, key) => {
    const k = toKey(input, key)
    if (k !== undefined) setState((s) => App.onKey(App.follow(s, ctxRef.current), k, ctxRef.current))
  })
  useEffect(() => {
    if (state.quit) exit()
  }, [state.quit])

  const loading = snapshot !== undefined && snapshot.loaded < snapshot.total
    ? ` loading ${count(snapshot.loaded)}/${count(snapshot.total)}`
    : ""
  const info = (isCatalog ? `${count(result.matches.length)} of ${count(index.rows.length)}${loading}` : loading.trim()) +
    (state.readonly ? " [read-only]" : "")
  const overlay = state.overlay
  const content = overlay._tag === "Confirm"
    ? <Confirm prompt={confirmPrompt(overlay.mutation)} width={width} height={body} />
    : overlay._tag === "Help"
    ? <Help sections={helpSections(state.readonly)} width={width} height={body} />
    : overlay._tag === "Command"
    ? <CommandBar input={overlay.input} suggestions={App.suggestions(overlay.input, ctx.commands)} selected={overlay.selected} width={width} height={body} />
    : overlay._tag === "Facets"
    ? (
      <FacetPicker
        facets={App.pickerFacets}
        facet={overlay.facet}
        values={CatalogIndex.facetCounts(index, result.matches, App.pickerFacets[overlay.facet]!, 200)}
        cursor={overlay.cursor}
        width={width}
        height={body}
      />
    )
    : isCatalog
    ? (
      <CatalogView
        index={index}
        result={result}
        filter={state.filter}
        editing={state.editing}
        loading={snapshot === undefined && !catalog.done}
        list={top.list}
        width={width}
        height={body}
      />
    )
    : lines.length > 0
    ? <LineView lines={lines} list={shown.list} width={width} height={body} />
    : <Text dimColor>nothing to show</Text>
  return (
    <Frame
      width={width}
      height={height}
      crumbs={state.stack.map(crumb)}
      info={info}
      hints={hintsFor(state, shortcuts, canApply)}
      message={catalog.error ?? state.message}
      messageStyle={catalog.error !== undefined ? "error" : "info"}
    >
      {content}
    </Frame>
  )
}
