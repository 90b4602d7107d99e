import { describe, expect, it } from "@effect/vitest"
import { Merge } from "@paved/golden"
import * as fc from "fast-check"

const labels = { ours: "yours", theirs: "template t@2.0.0" }
const text = (...lines: Array<string>) => lines.join("\n") + "\n"

describe("Merge.merge3", () => {
  it("combines changes to different regions", () => {
    const base = text("a", "b", "c", "d", "e", "f", "g")
    const ours = text("a", "B", "c", "d", "e", "f", "g")
    const theirs = text("a", "b", "c", "d", "e", "F", "g")
    expect(Merge.merge3(ours, base, theirs, labels)).toEqual({ text: text("a", "B", "c", "d", "e", "F", "g"), conflicts: 0 })
  })

  it("marks conflicting edits of the same lines", () => {
    const base = text("FROM node:20", "WORKDIR /app")
    const ours = text("FROM node:20-alpine", "WORKDIR /app")
    const theirs = text("FROM node:22-slim", "WORKDIR /app")
    const merged = Merge.merge3(ours, base, theirs, labels)
    expect(merged.conflicts).toBe(1)
    expect(merged.text).toBe(text(
      "<<<<<<< yours",
      "FROM node:20-alpine",
      "=======",
      "FROM node:22-slim",
      ">>>>>>> template t@2.0.0",
      "WORKDIR /app"
    ))
  })

  it("treats the same change on both sides as no conflict", () => {
    const base = text("a", "b", "c")
    const both = text("a", "x", "c")
    expect(Merge.merge3(text("a", "x", "c", "mine"), base, both, labels)).toEqual({ text: text("a", "x", "c", "mine"), conflicts: 0 })
  })

  it("is the identity when only one side changed (property)", () => {
    const doc = fc.array(fc.constantFrom("a", "b", "c", "d", ""), { maxLength: 12 }).map((ls) => ls.join("\n"))
    fc.assert(fc.property(doc, doc, (base, changed) => {
      expect(Merge.merge3(changed, base, base, labels)).toEqual({ text: changed, conflicts: 0 })
      expect(Merge.merge3(base, base, changed, labels)).toEqual({ text: changed, conflicts: 0 })
      expect(Merge.merge3(changed, base, changed, labels)).toEqual({ text: changed, conflicts: 0 })
    }))
  })

  it("keeps both sides' lines when edits do not overlap (property)", () => {
    const lines = fc.array(fc.string({ minLength: 1, maxLength: 4 }).filter((s) => !s.includes("\n")), { minLength: 6, maxLength: 12 })
    fc.assert(fc.property(lines, fc.string({ minLength: 1, maxLength: 3 }), (base, extra) => {
      const n = base.length
      const ours = [`ours-${extra}`, ...base]
      const theirs = [...base, `theirs-${extra}`]
      const merged = Merge.merge3(ours.join("\n"), base.join("\n"), theirs.join("\n"), labels)
      expect(merged.conflicts).toBe(0)
      expect(merged.text.split("\n")).toEqual([`ours-${extra}`, ...base.slice(0, n), `theirs-${extra}`])
    }))
  })
})
