import { describe, expect, it } from "@effect/vitest"
import { Catalog, CatalogStore, History } from "@paved/catalog"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { sqliteTempLayer } from "./fixtures/store/layers.js"

const component = (name: string, owner: string, extra = "") => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
spec:
  type: service
  lifecycle: production
  owner: ${owner}
${extra}`

const groups = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-b
spec:
  type: team
  children: []
`

/** A temp catalog directory, removed with the scope. */
const catalogDir = Effect.acquireRelease(
  Effect.sync(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-ingest-"))
    for (const d of ["cart", "shop", "teams"]) fs.mkdirSync(path.join(dir, d))
    fs.writeFileSync(path.join(dir, "teams/catalog-info.yaml"), groups)
    fs.writeFileSync(path.join(dir, "cart/catalog-info.yaml"), component("cart", "team-a"))
    fs.writeFileSync(path.join(dir, "shop/catalog-info.yaml"), component("shop", "team-b", "  dependsOn: [component:cart]\n"))
    return dir
  }),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

const loadAndIngest = (dir: string, options: { readonly orphans?: "keep" | "delete" } = {}) =>
  Effect.flatMap(Catalog.load([dir]), (loaded) =>
    Effect.flatMap(CatalogStore.CatalogStore, (store) => store.ingest(loaded, { ...options, roots: [dir] })))

const suite = (name: string, makeLayer: () => Layer.Layer<CatalogStore.CatalogStore, unknown>) =>
  describe(`Catalog.load → CatalogStore.ingest (${name})`, () => {
    it.live("real files: no-op, invalid YAML keeps the last good entity, fixing it restores, deletion orphans", () =>
      Effect.gen(function*() {
        const dir = yield* catalogDir
        const store = yield* CatalogStore.CatalogStore
        const first = yield* loadAndIngest(dir)
        expect(first.created).toEqual(["component:default/cart", "component:default/shop", "group:default/team-a", "group:default/team-b"])
        const shop = Option.getOrThrow(yield* store.get("component:shop"))
        expect(shop).toMatchObject({ file: path.join(dir, "shop/catalog-info.yaml"), line: 1, location: `file:${path.join(dir, "shop/catalog-info.yaml")}` })
        expect(shop.entity.relations).toContainEqual({ type: "dependsOn", targetRef: "component:default/cart" })
        expect((yield* store.edges(["component:cart"], { direction: "in", types: ["dependsOn"] })).map((e) => e.source)).toEqual(["component:default/shop"])

        expect((yield* loadAndIngest(dir)).unchanged).toBe(4)

        fs.writeFileSync(path.join(dir, "cart/catalog-info.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: [cart\n")
        const broken = yield* loadAndIngest(dir)
        expect(broken.lastKnownGood.map((k) => k.ref)).toEqual(["component:default/cart"])
        const cart = Option.getOrThrow(yield* store.get("component:cart"))
        expect(cart.entity.spec?.["owner"]).toBe("team-a")
        expect(cart.problems.length).toBeGreaterThan(0)
        expect(cart.problems.every((p) => p.severity === "error" && p.file === path.join(dir, "cart/catalog-info.yaml"))).toBe(true)

        fs.writeFileSync(path.join(dir, "cart/catalog-info.yaml"), component("cart", "team-b"))
        const fixed = yield* loadAndIngest(dir)
        expect(fixed.updated).toContain("component:default/cart")
        const history = yield* CatalogStore.historyOf("component:cart")
        expect(history.map((h) => h.change)).toEqual(["restored", "updated", "invalid", "created"])
        expect(history.find(History.isOwnerChange)).toMatchObject({ ownerBefore: "group:default/team-a", ownerAfter: "group:default/team-b" })

        fs.rmSync(path.join(dir, "shop"), { recursive: true })
        const gone = yield* loadAndIngest(dir)
        expect(gone.orphaned).toEqual(["component:default/shop"])
        expect(Option.getOrThrow(yield* store.get("component:shop")).orphan).toBe(true)
        expect((yield* loadAndIngest(dir, { orphans: "delete" })).deleted).toEqual(["component:default/shop"])
      }).pipe(Effect.scoped, Effect.provide(makeLayer())), 120_000)

    it.live("an entity that moves to another file is reported as moved, and a duplicate stays with its first file", () =>
      Effect.gen(function*() {
        const dir = yield* catalogDir
        const store = yield* CatalogStore.CatalogStore
        yield* loadAndIngest(dir)
        fs.writeFileSync(path.join(dir, "shop/catalog-info.yaml"), component("shop", "team-b") + "---\n" + component("cart", "team-a"))
        const duplicate = yield* Effect.flatMap(Catalog.load([dir]), (loaded) => store.ingest(loaded, { roots: [dir] }))
        const cart = Option.getOrThrow(yield* store.get("component:cart"))
        expect(cart.location).toBe(`file:${path.join(dir, "cart/catalog-info.yaml")}`)
        expect(duplicate.created).toEqual([])
        // The loader itself reports the duplicate within one load; the store keeps the first claimant.
        expect(duplicate.problems.some((p) => p.rule.includes("duplicate"))).toBe(true)
        fs.rmSync(path.join(dir, "cart"), { recursive: true })
        const moved = yield* loadAndIngest(dir)
        expect(moved.updated).toEqual(["component:default/cart"])
        expect(moved.orphaned).toEqual([])
        expect(Option.getOrThrow(yield* store.get("component:cart")).location).toBe(`file:${path.join(dir, "shop/catalog-info.yaml")}`)
        expect((yield* CatalogStore.historyOf("component:cart"))[0]).toMatchObject({ change: "moved" })
      }).pipe(Effect.scoped, Effect.provide(makeLayer())), 120_000)
  })

suite("memory", () => CatalogStore.layerMemory)
suite("SQLite", sqliteTempLayer)
