/**
 * The catalog page's search index: facet values interned once, one compact array per entity.
 * It is a script (`window.PAVED_INDEX = ...`) rather than JSON fetched at run time so that the
 * site also searches when opened from `file://`.
 */
import type { Model } from "./model.js"
import { titleOf } from "./model.js"

type Facet = "kind" | "owner" | "lifecycle" | "system" | "tag"

/** The index as a JavaScript file. */
export const searchIndexScript = (model: Model): string => {
  const values: Record<Facet, Array<string>> = { kind: [], owner: [], lifecycle: [], system: [], tag: [] }
  const ids: Record<Facet, Map<string, number>> = {
    kind: new Map(),
    owner: new Map(),
    lifecycle: new Map(),
    system: new Map(),
    tag: new Map()
  }
  const intern = (facet: Facet, value: string | undefined): number => {
    if (value === undefined) return -1
    let id = ids[facet].get(value)
    if (id === undefined) {
      id = values[facet].length
      values[facet].push(value)
      ids[facet].set(value, id)
    }
    return id
  }
  const rows = model.data.entities.map((stored) => {
    const f = model.facets(stored)
    const description = typeof stored.entity.metadata.description === "string" ? stored.entity.metadata.description : ""
    return [
      stored.ref,
      titleOf(stored.entity),
      description.length > 140 ? description.slice(0, 139) + "…" : description,
      intern("kind", f.kind),
      intern("owner", f.owner),
      intern("lifecycle", f.lifecycle),
      intern("system", f.system),
      f.tags.map((t) => intern("tag", t))
    ]
  })
  // JSON is valid JavaScript (U+2028/2029 included since ES2019); `<` is escaped anyway so the
  // text can never close a script element if someone inlines it.
  const json = JSON.stringify({ f: values, e: rows }).replace(/</g, "\\u003c")
  return `window.PAVED_INDEX=${json};\n`
}
