/**
 * `check` over 500 generated services (every tenth with an edited template-owned file), against
 * two peers in the same run: a naive checker that re-renders every service and text-diffs every
 * file with node-diff3, and `diff -r` between each service and its freshly rendered tree.
 * Every implementation is warmed up on 50 other services first.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Conformance, Manifest, NodeHttpService, Scaffold, TemplateRegistry } from "@paved/golden"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { diffComm } from "node-diff3"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const n = Number(process.env.PAVED_BENCH_SERVICES ?? 500)
const root = fs.mkdtempSync(path.join(os.tmpdir(), "paved-golden-bench-"))
const layer = Layer.merge(TemplateRegistry.layerBuiltin, NodeContext.layer)

const time = async <A>(f: () => Promise<A>): Promise<{ ms: number; value: A }> => {
  const start = performance.now()
  const value = await f()
  return { ms: Math.round(performance.now() - start), value }
}

const naiveCheck = (dirs: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    let drifted = 0
    for (const dir of dirs) {
      const manifest = yield* Manifest.read(dir)
      const template = manifest.version === "1.0.0" ? NodeHttpService.v1_0_0 : NodeHttpService.v1_1_0
      const files = yield* template.render(manifest.answers)
      let changed = false
      for (const [rel, want] of Object.entries(files)) {
        const have = fs.existsSync(path.join(dir, rel)) ? fs.readFileSync(path.join(dir, rel), "utf8") : ""
        if (diffComm(want.split("\n"), have.split("\n")).some((c) => c.common === undefined)) changed = true
      }
      if (changed) drifted++
    }
    return drifted
  })

const diffRecursive = (dirs: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    let drifted = 0
    const expectedRoot = fs.mkdtempSync(path.join(os.tmpdir(), "paved-golden-bench-expected-"))
    try {
      for (const [i, dir] of dirs.entries()) {
        const manifest = yield* Manifest.read(dir)
        const template = manifest.version === "1.0.0" ? NodeHttpService.v1_0_0 : NodeHttpService.v1_1_0
        const files = yield* template.render(manifest.answers)
        const expected = path.join(expectedRoot, String(i))
        for (const [rel, content] of Object.entries(files)) {
          fs.mkdirSync(path.dirname(path.join(expected, rel)), { recursive: true })
          fs.writeFileSync(path.join(expected, rel), content)
        }
        const r = spawnSync("diff", ["-r", "-u", "-x", ".paved", expected, dir], { encoding: "utf8" })
        if (r.status === 1) drifted++
      }
    } finally {
      fs.rmSync(expectedRoot, { recursive: true, force: true })
    }
    return drifted
  })

const main = Effect.gen(function*() {
  // The first 50 services warm the JIT for every implementation; the next n are measured. The
  // render cache of `check` never sees a measured service before, as in a fresh `paved` run.
  const warmup = 50
  const all: Array<string> = []
  for (let i = 0; i < n + warmup; i++) {
    const dir = path.join(root, `svc-${i}`)
    const template = i % 2 === 0 ? NodeHttpService.v1_0_0 : NodeHttpService.v1_1_0
    yield* Scaffold.generate({ template, answers: { name: `svc-${i}`, port: 8000 + (i % 50) }, out: dir })
    if (i % 10 === 0) fs.appendFileSync(path.join(dir, "Dockerfile"), "LABEL edited=true\n")
    all.push(dir)
  }
  const dirs = all.slice(warmup)
  yield* Conformance.checkServices(all.slice(0, warmup))
  yield* naiveCheck(all.slice(0, warmup))
  const ours = yield* Effect.promise(() => time(() => Effect.runPromise(Conformance.checkServices(dirs).pipe(Effect.provide(layer)))))
  const driftOurs = ours.value.filter((c) => c.drift).length
  const naive = yield* Effect.promise(() => time(() => Effect.runPromise(naiveCheck(dirs).pipe(Effect.provide(layer)))))
  const diffR = yield* Effect.promise(() => time(() => Effect.runPromise(diffRecursive(dirs).pipe(Effect.provide(layer)))))
  if (naive.value !== driftOurs || diffR.value !== driftOurs) {
    return yield* Effect.die(new Error(`peers disagree: ours ${driftOurs}, naive ${naive.value}, diff -r ${diffR.value}`))
  }
  console.log(JSON.stringify({ case: "check", n, ms: ours.ms, drifted: driftOurs, peer: "rerender+node-diff3 every file", peer_ms: naive.ms, ratio: +(naive.ms / Math.max(ours.ms, 1)).toFixed(2) }))
  console.log(JSON.stringify({ case: "check", n, ms: ours.ms, drifted: driftOurs, peer: "render tree + diff -r", peer_ms: diffR.ms, ratio: +(diffR.ms / Math.max(ours.ms, 1)).toFixed(2) }))
})

Effect.runPromise(main.pipe(Effect.provide(layer), Effect.ensuring(Effect.sync(() => fs.rmSync(root, { recursive: true, force: true })))))
  .catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
