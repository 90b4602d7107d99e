/**
 * The fast YAML reader must never disagree with `yaml`: for any text it either declines
 * (`undefined`, and the loader uses `yaml`) or returns exactly what `yaml` returns, and only
 * for text `yaml` reads without errors, with the same position for every node. It is internal,
 * so this test imports it by path.
 */
import { describe, expect, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as YAML from "yaml"
import { parseFast } from "../src/internal/fastYaml.js"
import { parseDocuments } from "../src/internal/yamlSource.js"

const reference = (text: string): { values: Array<unknown>; errors: boolean } => {
  const docs = YAML.parseAllDocuments(text)
  const list = Array.isArray(docs) ? docs : []
  return { values: list.map((d) => d.toJS()), errors: list.some((d) => d.errors.length > 0) || !Array.isArray(docs) }
}

const agrees = (text: string) => {
  const fast = parseFast(text)
  if (fast === undefined) return
  const ref = reference(text)
  expect(ref.errors).toBe(false)
  expect(fast.map((d) => d.value)).toEqual(ref.values)
  // Positions recorded while reading are the ones `yaml`'s nodes have, for every node.
  const full = parseDocuments(text, { maxAliasCount: 100, maxDocuments: 1000 })
  // (Empty documents hold no entity, so their positions are never asked for.)
  const positions = (docs: ReadonlyArray<{ value: unknown; positions: Map<string, number> }>) =>
    docs.filter((d) => d.value !== null).map((d) => Object.fromEntries(d.positions))
  expect(positions(parseFast(text, "all")!)).toEqual(positions(full.documents))
  // The positions kept for integrity problems are a subset of those.
  const refs = parseFast(text, "refs")!
  refs.forEach((d, i) => {
    for (const [k, v] of d.positions) expect(fast[i]!.positions.get(k)).toBe(v)
  })
}

const here = path.dirname(fileURLToPath(import.meta.url))
const yamlFiles = (dir: string): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const f = path.join(dir, e.name)
    return e.isDirectory() ? yamlFiles(f) : /\.ya?ml$/.test(e.name) ? [f] : []
  })

const tricky = [
  "a: 1\na: 2", "a: b: c", "a: 'x''y'", "a: \"x\\\"y\"", "a:\n  - b\n  - c: d\n    e: f\n", "a: |\n  x\n\n  y\nb: 1",
  "a: |-\n  x\n   y \n", "- a\n- b", "a: [1, 2.5, x, true, null, ~]", "a: 0123", "a: +12", "a: 1e3", "a: 12:30",
  "a: x #c\nb: 'q' # z", "---\n---\na: 1\n---\n", "a: 1\n---\n", "# only comment\n", "", "a:\nb:\n", "a: - b",
  "a: b\n  c", "key with spaces: v", "a: [a b, c]", "a: \"\"", "a: ''", "a: {}", "a: []", "a: \"x\\ny\"", "a:\n- x\n- y\nb: 1",
  "a: x:y", "a: >\n  x", "a: &x 1\nb: *x", "a: !!str 1", "'k': v", "a:   spaced   ", "a: [x,]", "- - a", "-\n  a: 1",
  "- a: 1\n  b:\n    - c", "a: |\n    deep\n  shallow\n", "a: |\n  # not a comment\n  x\n", "a: 9007199254740993",
  "a: 0x1F", "a: .inf", "a: 1.", "a: -", "a: \"unterminated", "a: 'x' y", "a:\n  b: 1\n c: 2", "a: b\r\nc: d", "a:\tb"
]

describe("fast YAML reader", () => {
  it("agrees with yaml on tricky inputs", () => {
    for (const text of tricky) agrees(text)
  })

  it("agrees with yaml on every catalog fixture and reads plain files itself", () => {
    const files = yamlFiles(path.join(here, "fixtures"))
    let fast = 0
    for (const file of files) {
      const text = fs.readFileSync(file, "utf8")
      agrees(text)
      if (parseFast(text) !== undefined) fast++
    }
    expect(fast).toBeGreaterThan(files.length / 2)
  })

  const key = fc.stringMatching(/^[a-z][a-zA-Z0-9_./-]{0,12}$/)
  const scalar = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.stringMatching(/^[a-z0-9 :#'"._/-]{0,16}$/),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null)
  )
  const tree = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: "small" }, scalar, tie("list"), tie("map")),
    list: fc.array(tie("node"), { maxLength: 4 }),
    map: fc.dictionary(key, tie("node"), { maxKeys: 5 })
  })).map
  it.prop("agrees with yaml on whatever yaml writes", [tree, fc.constantFrom<YAML.ToStringOptions>({}, { indentSeq: false }, { indent: 4 }, { defaultStringType: "QUOTE_DOUBLE" }, { flowCollectionPadding: false, collectionStyle: "flow" })], ([value, options]) => {
    agrees(YAML.stringify(value, options))
    agrees(`${YAML.stringify(value, options)}---\n${YAML.stringify({ kind: "Component", spec: value }, options)}`)
  }, { fastCheck: { numRuns: 1000 } })
})
