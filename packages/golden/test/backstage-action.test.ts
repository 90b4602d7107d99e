/**
 * The Backstage side of a golden path: the `Template` entity's steps name only actions that
 * exist (Backstage's built-in `publish:github` and `catalog:register`, and Paved's own
 * `paved:golden:new`, shipped as `BackstageAction.goldenNew`), and that action, driven as the
 * scaffolder drives it (its zod input schema built with real zod, then `handler(ctx)` on a
 * workspace directory), writes the same service `paved golden new` writes.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { BackstageAction, BackstageTemplate, Conformance, NodeHttpService, TemplateRegistry } from "@paved/golden"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { z } from "zod"
import { z as z3 } from "zod/v3"

// The scaffolder's built-in actions that the generated Template uses (Backstage's
// scaffolder-backend and its GitHub module register these by default).
const BUILT_IN = new Set(["fetch:template", "fetch:plain", "publish:github", "catalog:register", "catalog:write", "debug:log"])

const action = BackstageAction.goldenNew()
// Backstage builds the schema with its own zod (3 today); the functions work with 3 and 4.
const inputSchema = z.object(Object.fromEntries(Object.entries(action.schema.input).map(([k, f]) => [k, f(z)])))
const inputSchemaV3 = z3.object(Object.fromEntries(Object.entries(action.schema.input).map(([k, f]) => [k, f(z3)])))

/** The scaffolder's rendering of `${{ parameters }}`: the form's values as they are. */
const stepInput = (parameters: Record<string, unknown>) => {
  const entity = BackstageTemplate.toEntity(NodeHttpService.latest)
  const steps = entity.spec!.steps as Array<{ action: string; input: Record<string, unknown> }>
  const step = steps.find((s) => s.action === BackstageAction.id)!
  expect(step.input.values).toBe("${{ parameters }}")
  return { ...step.input, values: parameters }
}

const workspace = () => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "paved-scaffolder-")))

const run = async (input: unknown, workspacePath: string) => {
  const outputs: Record<string, unknown> = {}
  const logs: Array<string> = []
  await action.handler({
    input: inputSchema.parse(input) as unknown as BackstageAction.Input,
    workspacePath,
    logger: { info: (m) => logs.push(m) },
    output: (name, value) => {
      outputs[name] = value
    }
  })
  return { outputs, logs }
}

describe("the Backstage Template and the paved:golden:new action", () => {
  it("uses only actions that exist: Backstage's built-ins and the one Paved ships", () => {
    for (const t of NodeHttpService.versions) {
      const steps = BackstageTemplate.toEntity(t).spec!.steps as Array<{ action: string }>
      for (const s of steps) expect(BUILT_IN.has(s.action) || s.action === action.id, s.action).toBe(true)
      expect(steps.map((s) => s.action)).toEqual([action.id, "publish:github", "catalog:register"])
    }
  })

  it("writes the service paved golden new writes, which Paved then checks as conforming", async () => {
    const ws = workspace()
    try {
      const input = stepInput({ name: "billing", repoUrl: "github.com?owner=acme&repo=billing" })
      const { outputs, logs } = await run({ ...input, targetPath: "service" }, ws)
      expect(outputs).toMatchObject({ template: "node-http-service", version: NodeHttpService.latest.version })
      expect(outputs.files).toContain("catalog-info.yaml")
      expect(logs.join("\n")).toContain("Generating node-http-service")
      const dir = path.join(ws, "service")
      expect(fs.readFileSync(path.join(dir, "catalog-info.yaml"), "utf8")).toContain("name: billing")
      expect(JSON.parse(fs.readFileSync(path.join(dir, ".paved", "template.json"), "utf8"))).toMatchObject({ template: "node-http-service" })
      const check = await Effect.runPromise(
        Conformance.checkService(dir).pipe(Effect.provide(Layer.merge(TemplateRegistry.layerBuiltin, NodeContext.layer)))
      )
      expect(check).toMatchObject({ drift: false, upToDate: true })
    } finally {
      fs.rmSync(ws, { recursive: true, force: true })
    }
  })

  it("refuses what the scaffolder must not do: a path outside the workspace, an unknown template, a bad answer", async () => {
    const ws = workspace()
    try {
      await expect(run({ ...stepInput({ name: "billing" }), targetPath: "../elsewhere" }, ws)).rejects.toThrow(/outside the workspace/)
      expect(fs.existsSync(path.join(path.dirname(ws), "elsewhere"))).toBe(false)
      await expect(run({ template: "no-such-template", values: { name: "x" } }, ws)).rejects.toThrow(/no-such-template/)
      await expect(run(stepInput({ name: "Not A Name" }), ws)).rejects.toThrow(/name/)
      expect(fs.readdirSync(ws)).toEqual([])
      expect(() => inputSchema.parse({ template: "node-http-service" })).toThrow()
      expect(() => inputSchemaV3.parse({ template: "node-http-service" })).toThrow()
      expect(inputSchemaV3.parse(stepInput({ name: "billing" }))).toMatchObject({ template: "node-http-service", values: { name: "billing" } })
    } finally {
      fs.rmSync(ws, { recursive: true, force: true })
    }
  })
})
