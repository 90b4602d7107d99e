/**
 * The parse worker: a large directory walk shares its files with a worker thread, and the load
 * gives the same entities, problems, sources and skipped files as on one thread, including
 * broken files, links (never followed by a walk), files that cannot be read as text, a
 * placeholder and a Location (both loaded by the loader itself). Each load runs in a child
 * process under `tsx` (see child/load.ts), since a worker cannot start from TypeScript inside
 * Vitest.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const child = fileURLToPath(new URL("./child/load.ts", import.meta.url))

const load = (dir: string, worker: boolean, options: { readonly maxFileBytes?: number; readonly timeoutMs?: number; readonly slowMs?: number }) => {
  const args = ["--import", "tsx", "--conditions=@paved/source", child, dir, JSON.stringify(options)]
  const out = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 28, env: { ...process.env, PAVED_CATALOG_WORKER: worker ? "on" : "off" } })
  if (out.status !== 0) throw new Error(`child failed (${out.status}): ${out.stderr}`)
  return JSON.parse(out.stdout) as { batches: number; ms: number; result: unknown }
}

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

/**
 * 1,500 files in their own directories, some of them broken in every way a walked file can be,
 * near the end of the list (where the worker takes batches from).
 */
const makeCatalog = (): { readonly dir: string; readonly outside: string } => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-parse-worker-"))
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), "paved-parse-worker-outside-"))
  fs.writeFileSync(path.join(outside, "secret.yaml"), component(99_999))
  const broken: Record<number, string> = {
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
  return { dir, outside }
}

describe("the parse worker", () => {
  const { dir, outside } = makeCatalog()
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true })
    fs.rmSync(outside, { recursive: true, force: true })
  })

  it("gives the same load as one thread, broken files included", () => {
    const one = load(dir, false, { maxFileBytes: 4096 })
    const shared = load(dir, true, { maxFileBytes: 4096, slowMs: 2 })
    expect(one.batches).toBe(0)
    expect(shared.batches).toBeGreaterThan(0)
    expect(shared.result).toEqual(one.result)
    const result = one.result as { problems: Array<{ rule: string; file: string }>; entities: Array<unknown>; skipped: Array<string> }
    const rules = new Set(result.problems.map((p) => p.rule))
    for (const rule of ["yaml/parse", "entity/duplicate", "file/too-large", "integrity/cycle", "integrity/dangling-ref"]) expect(rules).toContain(rule)
    // Found by a walk, YAML that is not a catalog file, or not text, is skipped.
    for (const skipped of [path.join("svc-1477", "catalog-info.yaml"), path.join("svc-1480", "latin1.yaml")]) expect(result.skipped.some((f) => f.endsWith(skipped))).toBe(true)
    expect(JSON.stringify(result)).not.toContain("secret.yaml")
    expect(JSON.stringify(result)).toContain("experimental")
    expect(JSON.stringify(result)).toContain("component:default/svc-5000")
  }, 120_000)

  it("is interrupted by a timeout while the worker has batches", () => {
    // 1,500 files at 5 ms each on this thread take 7.5 s or more; the worker, from TypeScript, is
    // up within about 2 s.
    const cut = load(dir, true, { timeoutMs: 4000, slowMs: 5 })
    expect(cut.result).toBeNull()
    expect(cut.batches).toBeGreaterThan(0)
    expect(cut.ms).toBeLessThan(5000)
  }, 120_000)
})
