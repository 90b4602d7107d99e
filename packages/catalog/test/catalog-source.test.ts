/**
 * `Catalog.load` lists and reads files through the `CatalogSource` in its context: a memory
 * source stands in for the disk (as a Git source would), with directories, Location targets,
 * globs, placeholders and positions working as they do on files.
 */
import { describe, expect, it } from "@effect/vitest"
import { Catalog, CatalogSource } from "@paved/catalog"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const root = path.resolve("/virtual/catalog")
const files: Record<string, string> = {
  [path.join(root, "catalog-info.yaml")]: [
    "apiVersion: backstage.io/v1alpha1",
    "kind: Location",
    "metadata: { name: root }",
    "spec:",
    "  targets: [./services/*.yaml, ./teams.yaml]"
  ].join("\n"),
  [path.join(root, "services/web.yaml")]: [
    "apiVersion: backstage.io/v1alpha1",
    "kind: Component",
    "metadata:",
    "  name: web",
    "  description: { $text: ../docs/web.txt }",
    "spec: { type: service, lifecycle: production, owner: group:default/web-team }"
  ].join("\n"),
  [path.join(root, "services/bad.yaml")]: [
    "apiVersion: backstage.io/v1alpha1",
    "kind: Component",
    "metadata:",
    "  name: Bad_Name!",
    "spec: { type: service, lifecycle: production, owner: group:default/web-team }"
  ].join("\n"),
  [path.join(root, "teams.yaml")]: "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: { name: web-team }\nspec: { type: team, children: [] }\n",
  [path.join(root, "docs/web.txt")]: "The shop's front end"
}

const summary = (result: Catalog.LoadResult, base = root) => ({
  entities: result.entities.map((e) => [e.ref, path.relative(base, e.file), e.line]),
  problems: result.problems.map((p) => [p.rule, path.relative(base, p.file ?? ""), p.line, p.column, p.path])
})

describe("CatalogSource", () => {
  it.effect("loads a catalog held in memory as it loads one on disk", () =>
    Effect.gen(function*() {
      const fromMemory = yield* Catalog.load([root]).pipe(Effect.provide(CatalogSource.layerMemory(files)))
      expect(fromMemory.entities.find((e) => e.ref === "component:default/web")?.entity.metadata.description).toBe("The shop's front end")
      expect(summary(fromMemory)).toEqual({
        entities: [
          ["location:default/root", "catalog-info.yaml", 1],
          ["component:default/web", "services/web.yaml", 1],
          ["group:default/web-team", "teams.yaml", 1]
        ],
        problems: [["entity/name", "services/bad.yaml", 4, 9, "metadata.name"]]
      })
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-source-"))
      try {
        for (const [file, text] of Object.entries(files)) {
          const target = path.join(dir, path.relative(root, file))
          fs.mkdirSync(path.dirname(target), { recursive: true })
          fs.writeFileSync(target, text)
        }
        const onDisk = yield* Catalog.load([dir]).pipe(Effect.provide(CatalogSource.layerFileSystem))
        const byDefault = yield* Catalog.load([dir])
        expect(summary(onDisk, dir)).toEqual(summary(fromMemory))
        expect(summary(byDefault, dir)).toEqual(summary(fromMemory))
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    }))

  it.effect("an input the source does not hold is an error, never an empty catalog", () =>
    Effect.gen(function*() {
      const result = yield* Catalog.load([path.join(root, "nowhere")]).pipe(Effect.provide(CatalogSource.layerMemory(files)))
      expect(result.entities).toEqual([])
      expect(result.problems.map((p) => p.rule)).toEqual(["input/not-found"])
    }))

  it.effect("a source that fails gives located problems, never a defect", () =>
    Effect.gen(function*() {
      const memory = CatalogSource.memory(files)
      const failing: CatalogSource.Source = {
        ...memory,
        name: "flaky",
        // The directory of services cannot be listed, and teams.yaml cannot be read.
        glob: (pattern) => Effect.fail(new CatalogSource.CatalogSourceError({ source: "flaky", operation: "glob", path: pattern, reason: "connection reset" })),
        read: (paths, maxBytes) =>
          paths.some((p) => p.endsWith("teams.yaml"))
            ? Effect.fail(new CatalogSource.CatalogSourceError({ source: "flaky", operation: "read", path: paths[0]!, reason: "connection reset" }))
            : memory.read(paths, maxBytes)
      }
      const result = yield* Catalog.load([root]).pipe(Effect.provide(CatalogSource.layer(failing)))
      expect(summary(result).problems).toEqual([
        ["source/failed", "catalog-info.yaml", 5, 13, "spec.targets[0]"],
        ["file/unreadable", "teams.yaml", 1, 1, undefined]
      ])
      expect(result.problems[0]!.message).toContain("The catalog source (flaky) failed to glob")
      const thrown = CatalogSource.fromSync({ ...CatalogSource.memorySync(files), name: "throws", yamlFiles: () => { throw new Error("EIO") } })
      const fromThrow = yield* Catalog.load([path.join(root, "services")]).pipe(Effect.provide(CatalogSource.layer(thrown)))
      expect(fromThrow.problems.map((p) => [p.rule, p.file, p.message])).toEqual([
        ["source/failed", path.join(root, "services"), `The catalog source (throws) failed to yamlFiles ${path.join(root, "services")}: EIO; check the source, then load again`]
      ])
    }))

  it.live("interrupting a load of 10,000 files stops it between two batches, and leaves no file open", () =>
    Effect.gen(function*() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-interrupt-"))
      const n = 10_000
      try {
        for (let i = 0; i < n; i++) {
          fs.mkdirSync(path.join(dir, `svc-${i}`))
          fs.writeFileSync(path.join(dir, `svc-${i}`, "catalog-info.yaml"), `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-${i}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-${i % 50}\n`)
        }
        const openFiles = () => fs.readdirSync("/proc/self/fd").length
        const before = openFiles()
        let read = 0
        const started = yield* Deferred.make<void>()
        const fiber = yield* Effect.fork(Catalog.load([dir], {
          onProgress: (p) => {
            read = p.files
            if (p.files === 500) Deferred.unsafeDone(started, Effect.void)
          }
        }))
        yield* Deferred.await(started)
        const at = performance.now()
        yield* Fiber.interrupt(fiber)
        const stoppedMs = performance.now() - at
        const atInterrupt = read
        yield* Effect.sleep("200 millis")
        // Stopped within one batch (32 files), promptly, and nothing runs on afterwards.
        expect(atInterrupt).toBeLessThan(500 + 32)
        expect(read).toBe(atInterrupt)
        expect(stoppedMs).toBeLessThan(250)
        expect(openFiles()).toBe(before)
        // A timer interrupts it too: the load lets the event loop turn between batches.
        const timed = yield* Effect.either(Effect.timeout(Catalog.load([dir]), "100 millis"))
        expect(timed._tag).toBe("Left")
        yield* Effect.sleep("200 millis")
        expect(openFiles()).toBe(before)
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    }), 120_000)
})
