/**
 * The file system's scan: a large directory is walked and read on a worker thread while the
 * loader parses, and the load is the same as walking first and reading after (`yamlFiles`, then
 * `read`, the path of a source without a scan) and as a scan kept on one thread
 * (`PAVED_CATALOG_WORKER=off`): broken files, links (never followed by a walk), files that
 * cannot be read as text, a placeholder, a Location, `maxFiles` cutting the walk, and a worker
 * that dies half-way. The worker runs the scanner from its source text, so these tests also
 * prove that `scanner` is self-contained.
 */
import { afterAll, afterEach, describe, expect, it } from "@effect/vitest"
import { Catalog, CatalogSource } from "@paved/catalog"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Worker } from "node:worker_threads"

const component = (i: number) => [
  "apiVersion: backstage.io/v1alpha1",
  "kind: Component",
  "metadata:",
  `  name: svc-${i}`,
  "spec:",
  "  type: service",
  "  lifecycle: production",
  `  owner: team-${i % 7}`,
  "  dependsOn:",
  `    - component:svc-${i + 1}`,
  ""
].join("\n")

/** 1,500 files in their own directories (1,500 entries: a worker starts), some broken in every way a walked file can be. */
const makeCatalog = (): { readonly dir: string; readonly outside: string } => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-scan-worker-"))
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), "paved-scan-worker-outside-"))
  fs.writeFileSync(path.join(outside, "secret.yaml"), component(99_999))
  const broken: Record<number, string> = {
    3: "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: { name: [oops\n",
    1403: "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: { name: [oops\n",
    1440: component(1440).replace("name: svc-1440", "name: Bad_Name!"),
    1477: "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: not-a-catalog-file }\n",
    1420: component(1420).replace("type: service", "type: service\n  owner2: x").replace("owner: team-6", "owner: ''"),
    1433: component(5),
    1460: component(1460).replace("dependsOn:\n    - component:svc-1461", "dependsOn:\n    - component:svc-1459"),
    1461: component(1461) + "---\n" + component(2461),
    1470: component(1470).replace("lifecycle: production", "lifecycle: { $text: ./lifecycle.txt }"),
    1471: "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: { name: more }\nspec: { targets: [./extra.yaml] }\n",
    1490: component(1490) + "  description: " + "x".repeat(5000) + "\n"
  }
  for (let i = 0; i < 1500; i++) {
    const sub = path.join(dir, `svc-${String(i).padStart(4, "0")}`)
    fs.mkdirSync(sub)
    fs.writeFileSync(path.join(sub, "catalog-info.yaml"), broken[i] ?? component(i))
  }
  fs.writeFileSync(path.join(dir, "svc-1470", "lifecycle.txt"), "experimental")
  fs.writeFileSync(path.join(dir, "svc-1471", "extra.yaml"), component(5000))
  fs.writeFileSync(path.join(dir, "svc-1480", "latin1.yaml"), Buffer.from([...Buffer.from("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: { name: caf"), 0xe9, 0x0a]))
  fs.writeFileSync(path.join(dir, "svc-1481", "unreadable.yaml"), component(1481).replace("svc-1481", "unreadable"))
  fs.chmodSync(path.join(dir, "svc-1481", "unreadable.yaml"), 0o000)
  fs.symlinkSync(path.join(outside, "secret.yaml"), path.join(dir, "svc-1482", "link.yaml"))
  fs.symlinkSync(outside, path.join(dir, "svc-1483", "linked-dir"))
  fs.mkdirSync(path.join(dir, "svc-1484", "node_modules"))
  fs.writeFileSync(path.join(dir, "svc-1484", "node_modules", "catalog-info.yaml"), component(7000))
  return { dir, outside }
}

/** Counts what the scan hands its workers, and can make a worker die right after its hand-off or its first batch. */
const workers = { handed: 0, exited: 0, kill: undefined as "at hand-off" | "after a batch" | undefined }
const postMessage = Worker.prototype.postMessage
Worker.prototype.postMessage = function(this: Worker, ...args: Parameters<Worker["postMessage"]>) {
  workers.handed++
  this.once("exit", () => workers.exited++)
  postMessage.apply(this, args)
  if (workers.kill === "at hand-off") void this.terminate()
  if (workers.kill === "after a batch") this.once("message", () => void this.terminate())
}

/** The file system read the plain way: the whole walk first (`yamlFiles`), then `read`. */
const { scan: _scan, ...withoutScan } = CatalogSource.fileSystem
const walkThenRead = CatalogSource.layer(withoutScan)

const load = (dir: string, options: Catalog.LoadOptions = {}, layer = CatalogSource.layerFileSystem) =>
  Effect.runPromise(Catalog.load([dir], options).pipe(Effect.provide(layer)))

const pause = new Int32Array(new SharedArrayBuffer(4))
/**
 * A load whose worker is handed the rest of the walk: each file parsed here waits 5 ms until the
 * hand-off, so that a machine too busy to start the worker in ~40 ms (a CI run's other tests)
 * cannot finish the walk on this thread first; after it, the load runs at full speed.
 */
const loadHanded = (dir: string, options: Catalog.LoadOptions = {}) =>
  load(dir, { ...options, onProgress: () => void (workers.handed === 0 && Atomics.wait(pause, 0, 0, 5)) })

describe("the file system's scan", () => {
  const { dir, outside } = makeCatalog()
  afterEach(() => {
    workers.handed = 0
    workers.exited = 0
    workers.kill = undefined
    delete process.env.PAVED_CATALOG_WORKER
  })
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true })
    fs.rmSync(outside, { recursive: true, force: true })
  })

  it("gives the same load through the worker as walking then reading, broken files included", async () => {
    const plain = await load(dir, { maxFileBytes: 4096 }, walkThenRead)
    expect(workers.handed).toBe(0)
    const scanned = await loadHanded(dir, { maxFileBytes: 4096 })
    expect(workers.handed).toBe(1)
    expect(scanned).toEqual(plain)
    process.env.PAVED_CATALOG_WORKER = "off"
    workers.handed = 0
    expect(await load(dir, { maxFileBytes: 4096 })).toEqual(plain)
    expect(workers.handed).toBe(0)

    const rules = new Set(plain.problems.map((p) => p.rule))
    for (const rule of ["yaml/parse", "entity/duplicate", "file/too-large", "integrity/cycle", "integrity/dangling-ref"]) expect(rules).toContain(rule)
    // Found by a walk, YAML that is not a catalog file, or not text, is skipped.
    for (const skipped of [path.join("svc-1477", "catalog-info.yaml"), path.join("svc-1480", "latin1.yaml")]) expect(plain.skipped.some((f) => f.endsWith(skipped))).toBe(true)
    const text = JSON.stringify(plain)
    expect(text).not.toContain("secret.yaml")
    expect(text).not.toContain("svc-7000")
    expect(text).toContain("experimental")
    expect(text).toContain("component:default/svc-5000")
    expect(plain.entities.length).toBeGreaterThan(1480)
  }, 60_000)

  it("cuts the walk at maxFiles where walking then reading does", async () => {
    const plain = await load(dir, { maxFiles: 1100 }, walkThenRead)
    const scanned = await loadHanded(dir, { maxFiles: 1100 })
    expect(workers.handed).toBe(1)
    expect(scanned).toEqual(plain)
    expect(plain.entities.length + plain.skipped.length).toBeLessThanOrEqual(1101)
  }, 60_000)

  it("reads on this thread what a worker that died did not send", async () => {
    const plain = await load(dir, {}, walkThenRead)
    for (const kill of ["at hand-off", "after a batch"] as const) {
      workers.kill = kill
      workers.handed = 0
      const scanned = await loadHanded(dir)
      expect(workers.handed).toBe(1)
      expect(scanned).toEqual(plain)
    }
  }, 60_000)

  it("is interrupted by a timeout while the worker scans, and stops the worker", async () => {
    const started = performance.now()
    // 1,500 files at 5 ms each take 7.5 s or more.
    const cut = await Effect.runPromise(Effect.timeoutOption(Catalog.load([dir], { onProgress: () => Atomics.wait(pause, 0, 0, 5) }), 1500))
    expect(cut._tag).toBe("None")
    expect(performance.now() - started).toBeLessThan(4000)
    expect(workers.handed).toBe(1)
    // The scan's scope closed with the load: its worker is terminated, not left walking.
    for (let i = 0; i < 100 && workers.exited === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(workers.exited).toBe(1)
  }, 60_000)
})
