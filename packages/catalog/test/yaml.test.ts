/**
 * The one positioned YAML reader: values with positions, and Schema decoding into values or
 * located problems of the one `Problem` shape.
 */
import { describe, expect, it } from "@effect/vitest"
import { Problem, Yaml } from "@paved/catalog"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

const Service = Schema.Struct({
  name: Schema.String,
  spec: Schema.Struct({ port: Schema.Number, tags: Schema.Array(Schema.String) })
})

const text = ["name: web", "spec:", "  port: eighty", "  tags:", "    - a", "    - 3", ""].join("\n")

describe("Yaml", () => {
  it("decodes a valid document into its value", () => {
    expect(Yaml.decode(Service, "name: web\nspec: { port: 80, tags: [a] }\n")).toEqual(Either.right({ name: "web", spec: { port: 80, tags: ["a"] } }))
  })

  it("reports every schema problem at the line and column of its value, with its path", () => {
    const problems = Either.getLeft(Yaml.decode(Service, text, { file: "service.yaml" })).pipe((o) => o._tag === "Some" ? o.value : [])
    expect(problems.map((p) => [p.severity, p.file, p.line, p.column, p.path, p.rule])).toEqual([
      ["error", "service.yaml", 3, 9, "spec.port", "schema"],
      ["error", "service.yaml", 6, 7, "spec.tags[1]", "schema"]
    ])
  })

  it("reports a missing key at the map that should hold it, and an excess key", () => {
    const problems = Either.getLeft(Yaml.decode(Service, "name: web\nextra: 1\nspec:\n  tags: []\n")).pipe((o) => o._tag === "Some" ? o.value : [])
    expect(problems.map((p) => [p.path, p.line, p.column])).toEqual([["extra", 2, 8], ["spec.port", 4, 3]])
  })

  it("tells where an entry is written as well as where its value starts", () => {
    const document = Yaml.parse(text)
    expect(document.positionOf(["spec"])).toEqual({ line: 3, column: 3 })
    expect(document.entryPositionOf(["spec"])).toEqual({ line: 2, column: 1 })
    expect(document.entryPositionOf(["spec", "tags", 1])).toEqual({ line: 6, column: 7 })
    expect(document.positionOf(["spec", "missing", "deeper"])).toEqual({ line: 3, column: 3 })
  })

  it("locates syntax errors under the caller's rule, and refuses a second document", () => {
    const broken = Yaml.decode(Service, "name: [unclosed\n", { file: "s.yaml", syntaxRule: "service/yaml" })
    const problems = Either.getLeft(broken).pipe((o) => o._tag === "Some" ? o.value : [])
    expect(problems.map((p) => [p.file, p.rule, typeof p.line])).toEqual([["s.yaml", "service/yaml", "number"]])
    const two = Yaml.parse("a: 1\n---\nb: 2\n")
    expect(two.value).toBeUndefined()
    expect(two.problems.map((p) => [p.line, p.rule])).toEqual([[3, "yaml/parse"]])
  })

  it("reads every document of a stream with its own positions", () => {
    const { documents } = Yaml.parseAll("a: 1\n---\nb:\n  c: 2\n")
    expect(documents.map((d) => d.value)).toEqual([{ a: 1 }, { b: { c: 2 } }])
    expect(documents[1]!.positionOf(["b", "c"])).toEqual({ line: 4, column: 6 })
  })

  it("prints problems as JSON with all eight keys, null where a problem has no value", () => {
    expect(Problem.toJson(Problem.error({ file: "f.yaml", line: 2, column: 3, rule: "r", message: "m" }))).toEqual({
      severity: "error", file: "f.yaml", line: 2, column: 3, path: null, ref: null, rule: "r", message: "m"
    })
    expect(Object.keys(Problem.toJson({ severity: "warning", rule: "r", message: "m" }))).toEqual(["severity", "file", "line", "column", "path", "ref", "rule", "message"])
  })
})
