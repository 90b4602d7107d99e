/**
 * (c) The whole-process path of issue 18: `paved catalog validate DIR --format json` over N
 * generated `catalog-info.yaml` files (one per directory, one Component each; owners and some
 * dependencies dangle, so there is about one dangling-ref warning per file to position) against
 * `peer-validate.mjs` (walk + `yaml` + Backstage 1.10's policy chain and kind validators), each
 * as its own process, alternating, best of 3 (Paved also on one thread, `PAVED_CATALOG_WORKER=off`,
 * without the scan worker; its report must be the same). Target: Paved's time at most 0.4x the peer's
 * (`pavedOverPeer`), peak RSS under 500 MB. The same comparison in-process follows (Paved's
 * `Catalog.load`, integrity included, against the peer's loop), to tell start-up from work.
 *
 * `PAVED_BENCH_FILES` sets N (default 10 000). Needs the built CLI (`npm run build -w @paved/cli`).
 */
import { Catalog } from "@paved/catalog"
import * as Effect from "effect/Effect"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as YAML from "yaml"
import { backstageValidate } from "./backstage.js"
import { mb, peakRss } from "./entities.js"

const n = Number(process.env.PAVED_BENCH_FILES ?? 10_000)
const here = path.dirname(fileURLToPath(import.meta.url))
const paved = path.resolve(here, "../../cli/dist/bin.js")
const peerScript = path.join(here, "peer-validate.mjs")

/** One Component per file, in the shape of the bars' gen-entities: no Systems, no providesApis. */
const componentYaml = (i: number): string => {
  const dependsOn = [`component:svc-${i + 1}`, ...(i % 11 === 0 ? [`resource:db-${i}`] : [])]
  return [
    "apiVersion: backstage.io/v1alpha1",
    "kind: Component",
    "metadata:",
    `  name: svc-${i}`,
    `  description: Generated service number ${i}`,
    "  tags:",
    "    - typescript",
    `    - domain-${i % 9}`,
    "  annotations:",
    `    github.com/project-slug: acme/svc-${i}`,
    "spec:",
    "  type: service",
    "  lifecycle: production",
    `  owner: team-${i % 50}`,
    "  dependsOn:",
    ...dependsOn.map((d) => `    - ${d}`),
    ""
  ].join("\n")
}

/** Runs a process to completion with stdout drained; wall ms, CPU s and peak RSS (GNU time). */
const run = (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const start = performance.now()
  const child = spawnSync("/usr/bin/time", ["-f", "%U %S %M", process.execPath, ...args], { encoding: "utf8", maxBuffer: 1 << 30, env: { ...process.env, ...env } })
  const ms = performance.now() - start
  const [user, sys, rssKb] = child.stderr.trim().split("\n").pop()!.split(" ").map(Number)
  return { ms, cpu: user! + sys!, rssMb: Math.round(rssKb! / 1024), stdout: child.stdout, status: child.status }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-bench-cli-"))
try {
  for (let i = 0; i < n; i++) {
    const sub = path.join(dir, `svc-${i}`)
    fs.mkdirSync(sub)
    fs.writeFileSync(path.join(sub, "catalog-info.yaml"), componentYaml(i))
  }
  if (!fs.existsSync(paved)) throw new Error(`${paved} is missing; build the CLI first: npm run build -w @paved/cli`)

  const best = { paved: { ms: Infinity, cpu: Infinity }, oneThread: { ms: Infinity, cpu: Infinity }, peer: { ms: Infinity, cpu: Infinity } }
  let rss = 0
  let warnings = 0
  let output = ""
  for (let round = 0; round < 3; round++) {
    const p = run([paved, "catalog", "validate", dir, "--format", "json"])
    const report = JSON.parse(p.stdout) as { entities: Array<unknown>; problems: Array<{ severity: string; line: number | null }> }
    if (report.entities.length !== n || report.problems.some((x) => x.severity === "error" || x.line === null)) {
      throw new Error(`paved: ${report.entities.length} of ${n} entities, or an error or unpositioned problem (exit ${p.status})`)
    }
    warnings = report.problems.length
    best.paved = { ms: Math.min(best.paved.ms, p.ms), cpu: Math.min(best.paved.cpu, p.cpu) }
    rss = Math.max(rss, p.rssMb)
    // Without the scan worker (PAVED_CATALOG_WORKER=off), in the same rounds: same output, its time.
    const w = run([paved, "catalog", "validate", dir, "--format", "json"], { PAVED_CATALOG_WORKER: "off" })
    if (w.stdout !== (output ||= p.stdout)) throw new Error("paved on one thread: a different report")
    best.oneThread = { ms: Math.min(best.oneThread.ms, w.ms), cpu: Math.min(best.oneThread.cpu, w.cpu) }
    rss = Math.max(rss, w.rssMb)
    const q = run([peerScript, dir])
    if ((JSON.parse(q.stdout) as { entities: Array<unknown> }).entities.length !== n) throw new Error("peer: wrong entity count")
    best.peer = { ms: Math.min(best.peer.ms, q.ms), cpu: Math.min(best.peer.cpu, q.cpu) }
  }
  console.log(JSON.stringify({
    case: "cli: paved catalog validate DIR --format json, whole process",
    n,
    warnings,
    ms: Math.round(best.paved.ms),
    cpuS: +best.paved.cpu.toFixed(2),
    peer: "node peer-validate.mjs DIR (yaml + @backstage/catalog-model 1.10 chain + kind validators)",
    peerMs: Math.round(best.peer.ms),
    peerCpuS: +best.peer.cpu.toFixed(2),
    pavedOverPeer: +(best.paved.ms / best.peer.ms).toFixed(2),
    pavedOverPeerCpu: +(best.paved.cpu / best.peer.cpu).toFixed(2),
    oneThreadMs: Math.round(best.oneThread.ms),
    oneThreadCpuS: +best.oneThread.cpu.toFixed(2),
    oneThreadOverPeer: +(best.oneThread.ms / best.peer.ms).toFixed(2),
    target: "pavedOverPeer <= 0.4, peakRssMb < 500",
    peakRssMb: rss,
    loadavg: os.loadavg().map((l) => +l.toFixed(2))
  }))

  // In-process: the same work without process start-up and module loading.
  const files = fs.readdirSync(dir).map((d) => path.join(dir, d, "catalog-info.yaml")).sort()
  const peerInProcess = async () => {
    let accepted = 0
    for (const f of files) for (const doc of YAML.parseAllDocuments(fs.readFileSync(f, "utf8"))) if (await backstageValidate(doc.toJS())) accepted++
    return accepted
  }
  await Effect.runPromise(Catalog.load([path.join(dir, "svc-1")]))
  const inBest = { paved: Infinity, peer: Infinity }
  let inRss = 0
  for (let round = 0; round < 3; round++) {
    const sampler = peakRss()
    let start = performance.now()
    const loaded = await Effect.runPromise(Catalog.load([dir]))
    inBest.paved = Math.min(inBest.paved, performance.now() - start)
    inRss = Math.max(inRss, sampler.stop())
    start = performance.now()
    const accepted = await peerInProcess()
    inBest.peer = Math.min(inBest.peer, performance.now() - start)
    if (loaded.entities.length !== n || accepted !== n) throw new Error(`in-process: ${loaded.entities.length} / ${accepted} of ${n}`)
  }
  console.log(JSON.stringify({
    case: "in-process: Catalog.load(DIR) with integrity vs the peer's loop",
    n,
    ms: Math.round(inBest.paved),
    peerMs: Math.round(inBest.peer),
    pavedOverPeer: +(inBest.paved / inBest.peer).toFixed(2),
    peakRssMb: mb(inRss),
    loadavg: os.loadavg().map((l) => +l.toFixed(2))
  }))
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}
