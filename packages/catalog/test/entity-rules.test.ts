/**
 * Every Backstage rule, with a valid and an invalid fixture side by side
 * (`fixtures/model/valid/<rule>.yaml`, `fixtures/model/invalid/<rule>.yaml`). Each invalid
 * fixture names the rule and JSON path it must be rejected for in its first line.
 */
import { describe, expect, it } from "@effect/vitest"
import { Catalog } from "@paved/catalog"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/model")
const names = fs.readdirSync(path.join(fixtures, "invalid")).filter((f) => f.endsWith(".yaml")).sort()

// Only the fixture's own rules: integrity is checked elsewhere, and `team-a` is not defined here.
const load = (file: string) => Catalog.load([file], { integrity: false })

describe("entity rules", () => {
  it("has a valid fixture beside every invalid one", () => {
    expect(names.length).toBeGreaterThan(15)
    for (const name of names) expect(fs.existsSync(path.join(fixtures, "valid", name))).toBe(true)
  })

  for (const name of names) {
    it.effect(`${name}: the valid fixture passes, the invalid one is rejected where it is wrong`, () =>
      Effect.gen(function*() {
        const valid = yield* load(path.join(fixtures, "valid", name))
        expect(valid.problems).toEqual([])
        expect(valid.entities.length).toBe(1)
        const file = path.join(fixtures, "invalid", name)
        const [, rule, jsonPath] = /^# expect: (\S+) (\S+)/.exec(fs.readFileSync(file, "utf8"))!
        const invalid = yield* load(file)
        expect(invalid.entities).toEqual([])
        expect(invalid.sources).toEqual([{ file, location: `file:${file}`, ok: false }])
        const errors = invalid.problems.filter((p) => p.severity === "error")
        expect(errors.map((p) => `${p.rule} ${p.path}`)).toContain(`${rule} ${jsonPath}`)
        for (const p of errors) {
          expect(p.file).toBe(file)
          expect(p.line).toBeGreaterThan(1)
          expect(p.column).toBeGreaterThanOrEqual(1)
          expect(p.message.length).toBeGreaterThan(20)
        }
      }))
  }

  it.effect("defaults the namespace and keeps the rest of the entity as written", () =>
    Effect.gen(function*() {
      const { entities } = yield* load(path.join(fixtures, "valid/entity-name.yaml"))
      expect(entities[0]!.ref).toBe("component:default/checkout-api_v2.1")
      expect(entities[0]!.entity.metadata.namespace).toBe("default")
      expect(entities[0]!.entity.metadata.name).toBe("checkout-api_v2.1")
      expect(entities[0]!.line).toBe(1)
    }))

  it.effect("validates in-memory values with the same rules", () =>
    Effect.gen(function*() {
      const result = yield* Catalog.validateEntities([
        { apiVersion: "backstage.io/v1alpha1", kind: "System", metadata: { name: "shop" }, spec: { owner: "team-a" } },
        { apiVersion: "backstage.io/v1alpha1", kind: "System", metadata: { name: "bad name" }, spec: {} }
      ])
      expect(result.entities.map((e) => e.metadata.name)).toEqual(["shop"])
      expect(result.entities[0]!.relations).toEqual([{ type: "ownedBy", targetRef: "group:default/team-a" }])
      expect(result.problems.map((p) => `${p.rule} ${p.path}`).sort()).toEqual(["entity/name [1].metadata.name", "kind/spec [1].spec.owner"])
    }))
})
