import { it } from "@effect/vitest"
import { Plan, Request, ServiceTypes, Workload } from "@paved/provision"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect } from "vitest"
import { conformanceAvailable, conformancePath } from "../../../testing/conformance.js"

// 56 real Score files from public repositories (realworld/SOURCES.md lists where each is from).
const hasRealworld = conformanceAvailable("realworld")

type Outcome =
  | { readonly _tag: "plans"; readonly file: string }
  | { readonly _tag: "schema"; readonly file: string; readonly lines: ReadonlyArray<string> }
  | { readonly _tag: "unsupported"; readonly file: string; readonly types: ReadonlyArray<string> }
  | { readonly _tag: "other"; readonly file: string; readonly lines: ReadonlyArray<string> }

const outcome = (file: string): Effect.Effect<Outcome> =>
  Effect.gen(function*() {
    const name = path.basename(file)
    const decoded = Workload.decode(fs.readFileSync(file, "utf8"), name)
    const line = (p: { line?: number | undefined; column?: number | undefined; rule: string; message: string }) => `${p.line}:${p.column} ${p.rule} ${p.message}`
    if (decoded.problems.length > 0) {
      return decoded.problems.every((p) => p.rule === "score/schema")
        ? { _tag: "schema", file: name, lines: decoded.problems.map(line) }
        : { _tag: "other", file: name, lines: decoded.problems.map(line) }
    }
    const planned = yield* Effect.either(Plan.make({
      env: "real",
      envType: "development",
      requests: Request.fromWorkload(decoded.located!),
      state: []
    }))
    if (Either.isRight(planned)) return { _tag: "plans", file: name }
    const problems = planned.left.problems
    if (problems.every((p) => p.rule === "provision/unsupported-type")) {
      return { _tag: "unsupported", file: name, types: problems.map((p) => /no provisioner for type (\S+) in environment type development$/.exec(p.message)?.[1] ?? p.message) }
    }
    return { _tag: "other", file: name, lines: problems.map(line) }
  })

describe.runIf(hasRealworld)("real Score files (shared/conformance/realworld/score)", () => {
  it.effect("every file plans, gets \"no provisioner for type X\", or is rejected at its line for breaking Score's schema", () =>
    Effect.gen(function*() {
      const dir = path.join(conformancePath("realworld"), "score")
      const files = fs.readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()
      expect(files.length).toBe(56)
      const outcomes = yield* Effect.forEach(files, (f) => outcome(path.join(dir, f)))
      const of = <T extends Outcome["_tag"]>(tag: T) => outcomes.filter((o): o is Extract<Outcome, { _tag: T }> => o._tag === tag)

      // Nothing but these three outcomes.
      expect(of("other")).toEqual([])
      expect(of("plans").length).toBe(41)
      expect(of("unsupported").length).toBe(13)
      expect(of("schema").length).toBe(2)

      // Score's networking types are never refused; the refused types are ones no backend has.
      const refused = of("unsupported").flatMap((o) => o.types)
      for (const type of ["service", "service-port", "dns", "route", "endpoint"]) expect(refused).not.toContain(type)
      expect(refused.every((t) => !ServiceTypes.isResolved(t))).toBe(true)
      expect([...new Set(refused)].sort()).toEqual([
        "Resource-One", "Resource-Two", "azure-blob", "dapr-pubsub", "dapr-state-store", "dapr-subscription",
        "gcp-pubsub-emulator", "horizontal-pod-autoscaler", "kafka-topic", "llm-model", "mongodb", "mssql"
      ])

      // The two files with a `properties` key in a resource (not in Score's schema) are rejected
      // at that key's line; the second also has a container with a null image.
      expect(of("schema").map((o) => [o.file, o.lines])).toEqual([
        ["DemoKaspar__score-simple-example__score.yaml", [
          "31:5 score/schema resources.db.properties: \"properties\" is not a key of a resource in Score; its keys are type, class, id, metadata, params (settings of a resource go under params)"
        ]],
        ["Platform-Blueprint__workload_app_frontend__score.yaml", [
          "8:5 score/schema containers.hello.image: Expected string, actual null",
          "16:5 score/schema resources.app-db.properties: \"properties\" is not a key of a resource in Score; its keys are type, class, id, metadata, params (settings of a resource go under params)"
        ]]
      ])

      // Every file using the networking types that decodes (all but DemoKaspar's, rejected above
      // for its "properties" key) plans, or is refused only for another type (kafka-topic, mssql).
      const uses = (type: string) =>
        files.filter((f) => Object.values(Workload.decode(fs.readFileSync(path.join(dir, f), "utf8"), f).located?.workload.resources ?? {}).some((r) => r.type === type))
      const planned = new Set(of("plans").map((o) => o.file))
      const refusedFiles = new Map(of("unsupported").map((o) => [o.file, o.types]))
      expect([uses("dns").length, uses("route").length, uses("service").length, uses("endpoint").length]).toEqual([18, 18, 7, 1])
      for (const type of ["service", "service-port", "dns", "route", "endpoint"]) {
        for (const f of uses(type)) {
          expect(planned.has(f) || (refusedFiles.get(f) ?? []).every((t) => t !== type)).toBe(true)
        }
      }
      expect(["dns", "route"].flatMap(uses).filter((f) => planned.has(f)).length).toBeGreaterThan(0)
    }))
})
