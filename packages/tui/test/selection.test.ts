/**
 * The selection in line views (`:traces`, `:envs`, the entity view), as the TUI runs it: the
 * screen draws `follow(state)` and every key acts on `follow(state)`, so the highlighted row is
 * always the row Enter opens, also when rows arrive above it and when the view is shown again.
 */
import { describe, expect, it } from "@effect/vitest"
import { AppState } from "@paved/tui"
import * as Lines from "../src/state/lines.js"
import type { Line } from "../src/state/lines.js"

const ctxOf = (lines: ReadonlyArray<Line>, height = 8): AppState.Context => ({
  count: lines.length,
  height,
  openAt: (row) => lines[row]?.open,
  commands: [],
  facetValues: () => [],
  shortcuts: {},
  keyAt: (row) => AppState.rowKey(lines[row]?.open)
})

/** What the App does with a key: act on the followed state. */
const press = (state: AppState.AppState, key: AppState.Key | string, lines: ReadonlyArray<Line>) => {
  const ctx = ctxOf(lines)
  return AppState.onKey(AppState.follow(state, ctx), typeof key === "string" ? AppState.char(key) : key, ctx)
}

/** The row the screen highlights. */
const highlighted = (state: AppState.AppState, lines: ReadonlyArray<Line>) =>
  AppState.current(AppState.follow(state, ctxOf(lines))).list.cursor

const traceLine = (id: string, ms: number): Line => ({ text: `  ${ms}ms storefront: ${id}`, style: "link", open: AppState.view("trace", id) })

const tracesView = (ids: ReadonlyArray<string>): ReadonlyArray<Line> => [
  { text: "RED per service (1)", style: "heading" },
  { text: "  storefront 1/s", style: "text", open: AppState.view("entity", "component:default/storefront") },
  { text: "service map (0 edges)", style: "heading" },
  { text: `recent traces (${ids.length})`, style: "heading" },
  ...ids.map((id, i) => traceLine(id, 10 + i))
]

const opened = (state: AppState.AppState) => AppState.current(state)

describe("line view selection", () => {
  it("opens the highlighted trace after new traces arrive above it", () => {
    const before = tracesView(["t3", "t2", "t1"])
    let s = AppState.initial({ start: AppState.view("traces") })
    // The first row that opens something is selected at first, not the heading.
    expect(highlighted(s, before)).toBe(1)
    s = press(s, "j", before) // the first trace (the headings are skipped)
    expect(highlighted(s, before)).toBe(4)
    s = press(s, "j", before) // t2
    expect(before[highlighted(s, before)]?.open?.subject).toBe("t2")
    // Two newer traces arrive on top: the highlight stays on t2, and Enter opens t2.
    const after = tracesView(["t5", "t4", "t3", "t2", "t1"])
    expect(after[highlighted(s, after)]?.open?.subject).toBe("t2")
    s = press(s, AppState.named("enter"), after)
    expect(opened(s)).toMatchObject({ kind: "trace", subject: "t2" })
  })

  it("keeps highlight and selection together when coming back to the view, and on g and j", () => {
    const lines = tracesView(["t3", "t2", "t1"])
    let s = AppState.initial({ start: AppState.view("traces") })
    s = press(s, "G", lines)
    expect(lines[highlighted(s, lines)]?.open?.subject).toBe("t1")
    s = press(s, AppState.named("enter"), lines)
    expect(opened(s).subject).toBe("t1")
    s = press(s, AppState.named("escape"), [{ text: "trace t1", style: "heading" }])
    // Shown again: first "loading…", then the rows, with more of them now.
    const loading: ReadonlyArray<Line> = [{ text: "loading…", style: "dim" }]
    expect(highlighted(s, loading)).toBe(0)
    const later = tracesView(["t4", "t3", "t2", "t1"])
    expect(later[highlighted(s, later)]?.open?.subject).toBe("t1")
    s = press(s, AppState.named("enter"), later)
    expect(opened(s).subject).toBe("t1")
    s = press(s, AppState.named("escape"), [])
    // g goes to the first row that opens something, and Enter opens what is highlighted there.
    s = press(s, "g", later)
    expect(highlighted(s, later)).toBe(1)
    s = press(s, "j", later)
    expect(later[highlighted(s, later)]?.open?.subject).toBe("t4")
    s = press(s, AppState.named("enter"), later)
    expect(opened(s).subject).toBe("t4")
  })

  it("selects the first environment in :envs at first, so the first Enter opens it", () => {
    const lines: ReadonlyArray<Line> = [
      { text: "environments (2)", style: "heading" },
      { text: "  demo      preview  ready", style: "ok", open: AppState.view("env", "demo") },
      { text: "  pr-7      preview  ready", style: "ok", open: AppState.view("env", "pr-7") }
    ]
    let s = AppState.initial({ start: AppState.view("envs") })
    expect(highlighted(s, lines)).toBe(1)
    s = press(s, AppState.named("enter"), lines)
    expect(opened(s)).toMatchObject({ kind: "env", subject: "demo" })
  })

  it("skips lines that do nothing with j/k and the arrows, and scrolls line by line where nothing opens", () => {
    const lines: ReadonlyArray<Line> = [
      { text: "component:default/x", style: "heading" },
      { text: "description", style: "text" },
      { text: "owner group:default/web", style: "link", open: AppState.view("owned", "group:default/web") },
      { text: "lifecycle production", style: "text" },
      { text: "system shop", style: "link", open: AppState.view("entity", "system:default/shop") }
    ]
    let s = AppState.initial({ start: AppState.view("entity", "component:default/x") })
    expect(highlighted(s, lines)).toBe(2)
    s = press(s, AppState.named("down"), lines)
    expect(highlighted(s, lines)).toBe(4)
    s = press(s, "j", lines)
    expect(highlighted(s, lines)).toBe(4)
    s = press(s, "k", lines)
    expect(highlighted(s, lines)).toBe(2)
    // At the first link, the heading above it is on screen.
    expect(AppState.current(s).list.offset).toBe(0)
    const waterfall: ReadonlyArray<Line> = [
      { text: "trace t1", style: "heading" },
      { text: "  span a", style: "text" },
      { text: "  span b", style: "text" }
    ]
    let w = AppState.initial({ start: AppState.view("trace", "t1") })
    w = press(w, "j", waterfall)
    w = press(w, "j", waterfall)
    expect(highlighted(w, waterfall)).toBe(2)
  })
})

describe("TUI nits", () => {
  it("lists a long command with a space before its description", () => {
    const row = AppState.commandRow({ name: "provision", args: "ENV [SCORE...]", description: "the plan of Score files", open: () => "" })
    expect(row).toMatch(/^:provision ENV \[SCORE\.\.\.\]\s{2,}the plan of Score files$/)
    expect(AppState.commandRow({ name: "envs", args: "", description: "environments", open: () => "" })).toBe(`${":envs".padEnd(22)}  environments`)
  })

  it("lists entities by level, lowest first (bronze 45/50 before silver 30/35)", () => {
    const entity = (name: string, level: string | null, points: number, maxPoints: number) => ({
      ref: `component:default/${name}`, owner: null, level, nextLevel: null, points, maxPoints, results: []
    })
    const lines = Lines.scorecards({
      scorecard: "default",
      levels: ["bronze", "silver", "gold"],
      entities: [entity("s", "silver", 30, 35), entity("b", "bronze", 45, 50), entity("n", null, 1, 50)],
      owners: []
    })
    const order = lines.flatMap((l) => (l.open?.kind === "entity" ? [l.open.subject] : []))
    expect(order).toEqual(["component:default/n", "component:default/b", "component:default/s"])
  })
})
