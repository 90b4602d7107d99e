import { describe, expect, it } from "@effect/vitest"
import { CatalogStore, Query } from "@paved/catalog"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import fc from "fast-check"
import { component, file } from "./fixtures/store/entities.js"
import { sqliteTempLayer } from "./fixtures/store/layers.js"

const key = fc.stringMatching(/^[a-z][a-z0-9]{0,6}(\.[a-z][a-z0-9/-]{0,6}){0,2}$/)
const value = fc.stringMatching(/^[A-Za-z0-9:/_-]{1,12}$/)

describe("Query.parseFilter", () => {
  it("parses key=value lists into lowercased conditions, a repeated key accepting any of its values", () => {
    fc.assert(fc.property(fc.array(fc.tuple(key, fc.option(value, { nil: undefined })), { minLength: 1, maxLength: 6 }), (pairs) => {
      const text = pairs.map(([k, v]) => (v === undefined ? k : `${k.toUpperCase()}=${v}`)).join(",")
      const set = Either.getOrThrow(Query.parseFilter(text))
      const expected = new Map<string, Array<string> | undefined>()
      for (const [k, v] of pairs) {
        const prior = expected.get(k)
        if (v === undefined) {
          if (!expected.has(k)) expected.set(k, undefined)
        } else expected.set(k, [...(prior ?? []), v.toLowerCase()])
      }
      expect(set).toEqual([...expected].map(([k, values]) => (values === undefined ? { key: k } : { key: k, values })))
    }))
  })

  it("rejects a condition without a key, and an order with an unknown direction", () => {
    expect(Either.isLeft(Query.parseFilter("=component"))).toBe(true)
    expect(Either.isLeft(Query.parseFilter(" , "))).toBe(true)
    expect(Query.parseOrder("metadata.Name,desc")).toEqual(Either.right({ field: "metadata.name", direction: "desc" }))
    expect(Either.isLeft(Query.parseOrder("metadata.name,sideways"))).toBe(true)
  })

  it("cursors round-trip and only fit the query they came from", () => {
    fc.assert(fc.property(fc.string(), fc.string(), fc.string(), (sortValue, ref, text) => {
      const query: Query.Query = { text, limit: 5 }
      const cursor = Query.encodeCursor({ sortValue, ref, shape: Query.shapeOf(query) })
      expect(Query.decodeCursor(cursor, query)).toEqual(Either.right({ sortValue, ref, shape: Query.shapeOf(query) }))
      expect(Either.isLeft(Query.decodeCursor(cursor, { text: text + "x" }))).toBe(true)
    }))
    expect(Either.isLeft(Query.decodeCursor("not-a-cursor", {}))).toBe(true)
  })
})

const names = ["delta", "Alpha", "charlie", "bravo", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo"]
const paging = (name: string, makeLayer: () => Layer.Layer<CatalogStore.CatalogStore, unknown>) =>
  it.live(`${name}: every page size and order walks the same items as one unpaged query`, () =>
    Effect.gen(function*() {
      const store = yield* CatalogStore.CatalogStore
      yield* store.ingest(file("/repo/catalog-info.yaml", names.map((n, i) =>
        component(n, { owner: `team-${i % 3}`, type: i % 2 === 0 ? "service" : "website", tags: i % 4 === 0 ? [] : [`t${i % 3}`, `t${i % 5}`] })
      )))
      for (const orderBy of [undefined, { field: "metadata.name", direction: "desc" }, { field: "metadata.tags", direction: "asc" }, { field: "spec.owner", direction: "desc" }] as const) {
        for (const filter of [undefined, [[{ key: "spec.type", values: ["service"] }]], [[{ key: "metadata.tags" }]]]) {
          const all = yield* store.query({ orderBy, filter })
          for (let limit = 1; limit <= 4; limit++) {
            const walked: Array<string> = []
            let cursor: string | undefined
            do {
              const page: Query.Page = yield* store.query({ orderBy, filter, limit, ...(cursor === undefined ? {} : { cursor }) })
              expect(page.totalItems).toBe(all.totalItems)
              walked.push(...page.items.map((i) => i.ref))
              cursor = page.nextCursor ?? undefined
            } while (cursor !== undefined)
            expect(walked).toEqual(all.items.map((i) => i.ref))
          }
        }
      }
    }).pipe(Effect.provide(makeLayer())), 120_000)

describe("cursor paging", () => {
  paging("memory", () => CatalogStore.layerMemory)
  paging("SQLite", sqliteTempLayer)
})
