/**
 * `Conformance.checkServices`' `onProgress` (issue 18 item 8): one event per service with the
 * count checked of the total; the results are the same, in the order given, with or without it.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { Conformance, TemplateRegistry } from "@paved/golden"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const demo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../examples/demo-org")
const TestLayer = Layer.merge(TemplateRegistry.layerBuiltin, NodeContext.layer)

describe("Conformance.checkServices onProgress", () => {
  it.effect("reports each service once, counting up to the total", () =>
    Effect.gen(function*() {
      const services = yield* Conformance.findServices([demo])
      const events: Array<Conformance.CheckProgress> = []
      const watched = yield* Conformance.checkServices(services, { onProgress: (p) => events.push(p) })
      const plain = yield* Conformance.checkServices(services)
      expect(watched).toEqual(plain)
      expect(events.map((e) => [e.checked, e.total])).toEqual([[1, 3], [2, 3], [3, 3]])
      expect(events.map((e) => e.dir).sort()).toEqual([...services].sort())
      for (const e of events) expect(e.check.dir).toBe(e.dir)
    }).pipe(Effect.provide(TestLayer)))
})
