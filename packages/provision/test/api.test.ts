import { NodeContext } from "@effect/platform-node"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Entity } from "@paved/catalog"
import { Provision, Request, Workload } from "@paved/provision"
import { Chunk, Effect, Layer, Redacted, Schema, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-api-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
const services = Layer.merge(Provision.layerLocal({ dir }), NodeContext.layer)

const score = path.join(dir, "score.yaml")
fs.writeFileSync(score, [
  "apiVersion: score.dev/v1b1",
  "metadata: { name: worker }",
  "containers:",
  "  main:",
  "    image: worker",
  "    variables:",
  "      DATA_DIR: ${resources.data.path}",
  "      GREETING: hello from ${metadata.name} at ${resources.settings.REGION}",
  "      LITERAL: $${resources.data.path}",
  "      TOKEN: ${resources.settings.TOKEN}",
  "resources:",
  "  data: { type: volume }",
  "  settings: { type: environment, params: { REGION: eu-west-1 } }"
].join("\n"))

describe("the README script", () => {
  it.effect("loads a workload, applies it, and resolves its variables from the outputs", () =>
    Effect.gen(function*() {
      const { located, problems } = yield* Workload.load(score)
      expect(problems).toEqual([])
      const target = { env: "readme", envType: "development" as const, requests: Request.fromWorkload(located!) }
      const tags: Array<string> = []
      const { plan, outputs } = yield* Provision.apply(target, { onEvent: (e) => Effect.sync(() => tags.push(e._tag)) })
      expect(plan.changes.map((c) => c.resource)).toEqual(["worker.data", "worker.settings"])
      expect(tags[0]).toBe("Planned")
      expect(tags.filter((t) => t === "StepCompleted").length).toBe(2)
      const { containers, unresolved } = Provision.resolvePlaceholders(located!.workload, outputs)
      expect(containers["main"]).toMatchObject({
        DATA_DIR: path.join(dir, "volumes", "paved_readme__worker__data"),
        GREETING: "hello from worker at eu-west-1",
        LITERAL: "${resources.data.path}"
      })
      expect(unresolved).toEqual([{ placeholder: "resources.settings.TOKEN", reason: "no output \"TOKEN\"", container: "main", variable: "TOKEN" }])
    }).pipe(Effect.provide(services)))

  it.effect("streams apply progress as events", () =>
    Effect.gen(function*() {
      const target = { env: "stream", envType: "development" as const, requests: [Provision.request({ key: "scratch", type: "volume" })] }
      const events = Chunk.toReadonlyArray(yield* Stream.runCollect(Provision.applyStream(target)))
      expect(events.map((e) => e._tag)).toEqual(["Planned", "StepStarted", "StepCompleted"])
      expect(yield* Provision.destroy("stream")).toEqual(["scratch"])
      const journal = yield* Provision.journal("stream")
      expect(journal.map((e) => `${e.action}:${e.phase}`)).toEqual(["create:started", "create:completed", "delete:started", "delete:completed"])
    }).pipe(Effect.provide(services)))
})

describe("requests from the catalog", () => {
  const decode = Schema.decodeUnknownSync(Entity.Entity)
  it("turns a Resource entity into a request with the catalog's tags", () => {
    const entity = decode({
      apiVersion: "backstage.io/v1alpha1",
      kind: "Resource",
      metadata: { name: "orders-db", annotations: { "paved.dev/cost-centre": "cc-7", "paved.dev/class": "large" } },
      spec: { type: "database", owner: "group:payments", system: "shop" }
    })
    const request = Request.fromEntity(entity, "catalog-info.yaml")
    expect(request).toMatchObject({
      key: "orders-db", type: "postgres", class: "large", entityRef: "resource:default/orders-db",
      tags: { owner: "group:payments", system: "shop", "cost-centre": "cc-7", entity: "resource:default/orders-db" }
    })
  })

  it("says what is wrong with an entity that is not a Resource", () => {
    const component = decode({ apiVersion: "backstage.io/v1alpha1", kind: "Component", metadata: { name: "web" }, spec: { type: "service" } })
    expect(Request.fromEntity(component)).toMatchObject({ rule: "request/entity" })
  })

  it("never shows a secret output in JSON or logs", () => {
    const outputs = { db: { host: "h", password: Redacted.make("pw-secret") } }
    expect(JSON.stringify(outputs)).not.toContain("pw-secret")
    expect(Provision.reveal(outputs)).toEqual({ db: { host: "h", password: "pw-secret" } })
  })
})
