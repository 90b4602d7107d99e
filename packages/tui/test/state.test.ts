import { describe, expect, it } from "@effect/vitest"
import { AppState, CatalogIndex } from "@paved/tui"
import * as Columns from "../src/state/columns.js"
import * as List from "../src/state/list.js"
import * as Text from "../src/state/text.js"

const entity = (kind: string, name: string, spec: Record<string, unknown> = {}, tags: Array<string> = []) => ({
  apiVersion: "backstage.io/v1alpha1",
  kind,
  metadata: { name, tags, description: `the ${name} ${kind.toLowerCase()}` },
  spec
})

const index = CatalogIndex.fromEntities([
  entity("Component", "artist-lookup", { type: "service", owner: "team-a", lifecycle: "production" }, ["java"]),
  entity("Component", "artist-web", { type: "website", owner: "team-b", lifecycle: "experimental" }, ["react"]),
  entity("API", "artist-api", { type: "openapi", owner: "team-a", lifecycle: "production" }),
  entity("Group", "team-a", { type: "team" }),
  entity("System", "audio", { owner: "group:default/team-b" })
])

const refs = (input: string) => [...CatalogIndex.search(index, input).matches].map((i) => index.rows[i]!.ref)

describe("CatalogIndex", () => {
  it("turns entities into rows with canonical refs and short owners", () => {
    const row = index.rows[0]!
    expect(row.ref).toBe("component:default/artist-lookup")
    expect(row.owner).toBe("group:default/team-a")
    expect(row.ownerLabel).toBe("team-a")
    expect(index.rows[4]!.ownerLabel).toBe("team-b")
  })

  it("filters by free text anywhere in ref, owner, tags or description", () => {
    expect(refs("")).toHaveLength(5)
    expect(refs("artist")).toEqual(["component:default/artist-lookup", "component:default/artist-web", "api:default/artist-api"])
    expect(refs("ARTIST web")).toEqual(["component:default/artist-web"])
    expect(refs("java")).toEqual(["component:default/artist-lookup"])
    expect(refs("nothing-like-this")).toEqual([])
  })

  it("filters by facet tokens matched as prefixes", () => {
    expect(refs("kind:comp")).toEqual(["component:default/artist-lookup", "component:default/artist-web"])
    expect(refs("owner:team-a")).toEqual(["component:default/artist-lookup", "api:default/artist-api"])
    expect(refs("lifecycle:production kind:api")).toEqual(["api:default/artist-api"])
    expect(refs("tag:react")).toEqual(["component:default/artist-web"])
    // A facet with no value yet filters nothing.
    expect(refs("kind:")).toHaveLength(5)
  })

  it("narrows from the previous result only when the new query refines it", () => {
    const a = CatalogIndex.parseQuery("art")
    expect(CatalogIndex.narrows(a, CatalogIndex.parseQuery("arti"))).toBe(true)
    expect(CatalogIndex.narrows(a, CatalogIndex.parseQuery("art web"))).toBe(true)
    expect(CatalogIndex.narrows(CatalogIndex.parseQuery("kind"), CatalogIndex.parseQuery("kind:"))).toBe(false)
    expect(CatalogIndex.narrows(a, CatalogIndex.parseQuery("ar"))).toBe(false)
    const first = CatalogIndex.search(index, "art")
    const second = CatalogIndex.search(index, "artist-w", first)
    expect([...second.matches]).toEqual([1])
    // A result over a smaller index is not reused.
    const bigger = CatalogIndex.append(CatalogIndex.fromEntities([entity("Component", "art-new")]), [])
    expect([...CatalogIndex.search(bigger, "art", CatalogIndex.search(index, "ar")).matches]).toEqual([0])
  })

  it("counts facet values among the matches", () => {
    const all = CatalogIndex.search(index, "").matches
    expect(CatalogIndex.facetCounts(index, all, "kind", 10)).toEqual([
      { value: "component", count: 2 },
      { value: "api", count: 1 },
      { value: "group", count: 1 },
      { value: "system", count: 1 }
    ])
    expect(CatalogIndex.facetCounts(index, all, "owner", 1)).toEqual([{ value: "team-a", count: 2 }])
    expect(CatalogIndex.withFacet("foo kind:x ", "kind", "api")).toBe("foo kind:api ")
  })
})

describe("List", () => {
  it("keeps the cursor visible in the window", () => {
    let s = List.initial
    s = List.move(s, 25, 100, 10)
    expect(s).toEqual({ cursor: 25, offset: 16 })
    s = List.move(s, -20, 100, 10)
    expect(s).toEqual({ cursor: 5, offset: 5 })
    expect(List.move(s, 1000, 100, 10)).toEqual({ cursor: 99, offset: 90 })
    expect(List.settle({ cursor: 50, offset: 45 }, 3, 10)).toEqual({ cursor: 2, offset: 0 })
    expect(List.visible({ cursor: 99, offset: 90 }, 100, 10)).toEqual({ from: 90, to: 100 })
  })
})

describe("Text", () => {
  it("truncates with an ellipsis and never exceeds the width", () => {
    expect(Text.truncate("hello world", 8)).toBe("hello w…")
    expect(Text.truncate("short", 8)).toBe("short")
    expect(Text.fit("ab", 4)).toBe("ab  ")
    expect(Text.displayWidth("日本語")).toBe(6)
    expect(Text.displayWidth(Text.truncate("日本語のテキスト", 7))).toBeLessThanOrEqual(7)
    expect(Text.truncate("a\nb", 10)).toBe("a b")
    for (let w = 0; w < 20; w++) expect(Text.displayWidth(Text.fit("x日y本z語🎉abc", w))).toBe(w)
  })

  it("lays out columns within the width, dropping the ones that do not fit", () => {
    const specs = [{ header: "A", min: 10, weight: 1 }, { header: "B", min: 10, weight: 1 }, { header: "C", min: 30, weight: 0 }]
    const wide = Columns.layout(specs, 100)
    expect(wide.reduce((a, b) => a + b, 0) + 2).toBe(100)
    const narrow = Columns.layout(specs, 40)
    expect(narrow[2]).toBe(0)
    expect(Text.displayWidth(Columns.row(["x".repeat(50), "y", "z"], narrow))).toBe(40)
  })
})

const ctx = (over: Partial<AppState.Context> = {}): AppState.Context => ({
  count: 5,
  height: 3,
  openAt: (row) => AppState.view("entity", `component:default/row-${row}`),
  commands: [
    { name: "catalog", args: "", description: "", open: () => AppState.view("catalog") },
    { name: "owners", args: "", description: "", open: () => AppState.view("owners") },
    { name: "owner", args: "TEAM", description: "", open: (a) => (a.length === 0 ? "which owner?" : AppState.view("owned", a)) }
  ],
  facetValues: (facet) => (facet === "kind" ? ["component", "api"] : []),
  shortcuts: {},
  ...over
})

const keys = (state: AppState.AppState, input: ReadonlyArray<AppState.Key | string>, c = ctx()) =>
  input.reduce<AppState.AppState>((s, k) => AppState.onKey(s, typeof k === "string" ? AppState.char(k) : k, c), state)

describe("AppState", () => {
  it("filters as you type, commits with Enter, clears with Esc", () => {
    let s = keys(AppState.initial(), ["/", "a", "r", "t"])
    expect(s.editing).toBe(true)
    expect(s.filter).toBe("art")
    s = keys(s, [AppState.named("backspace"), AppState.named("enter")])
    expect(s).toMatchObject({ editing: false, filter: "ar" })
    // q is a filter character while typing, and quits otherwise.
    expect(keys(AppState.initial(), ["/", "q"]).quit).toBe(false)
    expect(keys(s, ["q"]).quit).toBe(true)
    expect(keys(s, [AppState.named("escape")]).filter).toBe("")
  })

  it("opens with Enter and goes back with Esc, keeping the cursor", () => {
    let s = keys(AppState.initial(), ["j", "j"])
    expect(AppState.current(s).list.cursor).toBe(2)
    s = keys(s, [AppState.named("enter")])
    expect(AppState.current(s)).toMatchObject({ kind: "entity", subject: "component:default/row-2" })
    expect(s.stack).toHaveLength(2)
    s = keys(s, [AppState.named("escape")])
    expect(AppState.current(s)).toMatchObject({ kind: "catalog", list: { cursor: 2 } })
    // Esc at the root does nothing.
    expect(keys(s, [AppState.named("escape")]).stack).toHaveLength(1)
  })

  it("runs : commands with suggestions, completion and arguments", () => {
    const opened = keys(AppState.initial(), [":", "o", "w", "n", "e", "r", "s", AppState.named("enter")])
    expect(AppState.current(opened).kind).toBe("owners")
    expect(AppState.suggestions("ow", ctx().commands).map((c) => c.name)).toEqual(["owners", "owner"])
    const completed = keys(AppState.initial(), [":", "c", AppState.named("tab")])
    expect(completed.overlay).toEqual({ _tag: "Command", input: "catalog ", selected: 0 })
    const withArg = keys(AppState.initial(), [":", ..."owner team-a", AppState.named("enter")])
    expect(AppState.current(withArg)).toMatchObject({ kind: "owned", subject: "team-a" })
    expect(keys(AppState.initial(), [":", ..."owner", AppState.named("enter")]).message).toBe("which owner?")
    expect(keys(AppState.initial(), [":", ..."nope", AppState.named("enter")]).message).toMatch(/unknown command ":nope"/)
    expect(keys(AppState.initial(), [":", "q", AppState.named("enter")]).quit).toBe(true)
  })

  it("opens help with ? and closes it with Esc; Ctrl-C always quits", () => {
    const help = keys(AppState.initial(), ["?"])
    expect(help.overlay._tag).toBe("Help")
    expect(keys(help, [AppState.named("escape")]).overlay._tag).toBe("None")
    expect(AppState.onKey(AppState.initial(), AppState.char("c", true), ctx()).quit).toBe(true)
    expect(AppState.onKey(keys(AppState.initial(), ["/"]), AppState.char("c", true), ctx()).quit).toBe(true)
  })

  it("applies a facet from the picker as a filter token", () => {
    const s = keys(AppState.initial(), ["f", AppState.named("down"), AppState.named("enter")])
    expect(s.filter).toBe("kind:api ")
    expect(s.overlay._tag).toBe("None")
  })

  it("follows view shortcuts and refuses mutations in read-only mode", () => {
    const c = ctx({ shortcuts: { n: AppState.view("graph", "component:default/x") } })
    expect(AppState.current(keys(AppState.initial(), ["n"], c)).kind).toBe("graph")
    const ro = AppState.guardMutation(AppState.initial({ readonly: true }), "env up")
    expect(ro.allowed).toBe(false)
    expect(ro.state.message).toMatch(/read-only/)
    expect(AppState.guardMutation(AppState.initial(), "env up").allowed).toBe(true)
  })
})
