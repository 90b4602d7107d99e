import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Placeholder, Plan, Request, ResourceType, Workload } from "@paved/provision"
import { Effect, Either, Redacted } from "effect"
import * as fc from "fast-check"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { conformanceAvailable, conformancePath } from "../../../testing/conformance.js"

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
const conformance = conformancePath("score")
const hasScoreConformance = conformanceAvailable("score")

const workload = (text: string, file = "score.yaml") => Workload.decode(text, file)

describe("Score workloads", () => {
  it.runIf(hasScoreConformance)("decodes every Score example of the conformance set, and each plans or names the unsupported type", async () => {
    const files = fs.readdirSync(conformance).filter((f) => f.endsWith(".yaml"))
    expect(files.length).toBeGreaterThan(5)
    for (const f of files) {
      const file = path.join(conformance, f)
      const decoded = Workload.decode(fs.readFileSync(file, "utf8"), file)
      expect(decoded.problems, f).toEqual([])
      const requests = Request.fromWorkload(decoded.located!)
      const result = await Effect.runPromise(Effect.either(Plan.make({ env: "conf", envType: "development", requests, state: [] })))
      if (Either.isLeft(result)) {
        for (const p of result.left.problems) {
          expect(p.rule).toBe("provision/unsupported-type")
          expect(p.message).toMatch(/^no provisioner for type \S+ in environment type development$/)
          expect(p.file).toBe(file)
          expect(p.line).toBeGreaterThan(0)
        }
      } else {
        // Score's networking types (service-port, dns, route) are resolved by the environment: no-op.
        expect(result.right.changes.every((c) => c.action === (ResourceType.isResolvedByEnvironment(c.type) ? "no-op" : "create"))).toBe(true)
      }
    }
  })

  it.effect("loads a file through the platform FileSystem", () =>
    Effect.gen(function*() {
      const decoded = yield* Workload.load(path.join(repoRoot, "examples/demo-org/services/catalog-api/score.yaml"))
      expect(decoded.located?.workload.resources?.["db"]?.type).toBe("postgres")
    }).pipe(Effect.provide(NodeContext.layer)))

  it("reports schema problems at their line", () => {
    const { problems, located } = workload([
      "apiVersion: score.dev/v1b1",
      "metadata:",
      "  name: Bad_Name",
      "containers:",
      "  main:",
      "    image: nginx",
      "resources:",
      "  db:",
      "    class: small"
    ].join("\n"))
    expect(located).toBeUndefined()
    const byMessage = problems.map((p) => `${p.line}:${p.rule}:${p.message}`)
    expect(byMessage.some((m) => m.startsWith("3:score/schema:metadata.name"))).toBe(true)
    expect(byMessage.some((m) => m.startsWith("8:score/schema:resources.db.type"))).toBe(true)
  })

  it("reports YAML syntax errors with a position", () => {
    const { problems } = workload("apiVersion: score.dev/v1b1\nmetadata: [\n")
    expect(problems[0]?.rule).toBe("score/yaml")
    expect(problems[0]?.line).toBeGreaterThan(0)
  })

  it("reports an unknown output, an unknown resource and a cycle at plan time, with the line", () => {
    const { problems } = workload([
      "apiVersion: score.dev/v1b1",
      "metadata:",
      "  name: shop",
      "containers:",
      "  main:",
      "    image: shop",
      "    variables:",
      "      DB_HOST: ${resources.db.hostname}",
      "      CACHE: ${resources.cache.host}",
      "      NAME: ${metadata.name}",
      "resources:",
      "  db:",
      "    type: postgres",
      "  a:",
      "    type: cdn",
      "    params: { origin: '${resources.b.host}' }",
      "  b:",
      "    type: cdn",
      "    params: { origin: '${resources.a.host}' }"
    ].join("\n"))
    expect(problems.map((p) => [p.line, p.rule])).toEqual([
      [8, "score/unknown-output"],
      [9, "score/placeholder"],
      [14, "score/cycle"]
    ])
    expect(problems[0]!.message).toContain("a postgres resource has no output \"hostname\"")
  })
})

describe("placeholders", () => {
  it("treats $${...} as a literal ${...} and $$ as $", () => {
    const r = Placeholder.substitute("echo $${CONNECTION} $$HOME ${metadata.name}", { name: "web" }, {})
    expect(r.value).toBe("echo ${CONNECTION} $HOME web")
    expect(r.unresolved).toEqual([])
  })

  it("makes a value with a secret in it Redacted", () => {
    const r = Placeholder.substitute("postgres://${resources.db.username}:${resources.db.password}@h", {}, {
      db: { username: "u", password: Redacted.make("p4ss") }
    })
    expect(Redacted.isRedacted(r.value)).toBe(true)
    expect(Redacted.value(r.value as Redacted.Redacted<string>)).toBe("postgres://u:p4ss@h")
    expect(String(r.value)).not.toContain("p4ss")
  })

  it("orders resources after the resources their params use", () => {
    const { located } = workload([
      "apiVersion: score.dev/v1b1",
      "metadata: { name: web }",
      "containers: { main: { image: web } }",
      "resources:",
      "  route: { type: route, params: { host: '${resources.dns.host}' } }",
      "  dns: { type: dns }",
      "  alpha: { type: volume }"
    ].join("\n"))
    expect(Placeholder.resourceOrder(located!.workload)).toEqual(["alpha", "dns", "route"])
    const route = Request.fromWorkload(located!).find((r) => r.key === "web.route")!
    expect(route.dependsOn).toEqual([["dns", "web.dns"]])
  })

  it("round-trips text without placeholders and escapes (property)", () => {
    fc.assert(fc.property(fc.string(), (s) => {
      const escaped = s.replace(/\$/g, "$$$$")
      const r = Placeholder.substitute(escaped, {}, {})
      return r.value === s && r.unresolved.length === 0
    }))
  })
})
