/**
 * (b) 10k `catalog-info.yaml` files on disk, end to end: Paved's `Catalog.load` (read, parse,
 * validate, relations, integrity) against `yaml` + Backstage's policy chain and kind validators
 * over the same files, in the same process; runs alternate and the best of three counts.
 * The integrity check is off here (the peer has none). Prints one JSON line per case.
 */
import { Catalog } from "@paved/catalog"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as fsp from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import * as YAML from "yaml"
import { backstageValidate } from "./backstage.js"
import { entityYaml, mb, peakRss } from "./entities.js"

const n = Number(process.env.PAVED_BENCH_FILES ?? 10_000)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-bench-files-"))
try {
  const files: Array<string> = []
  for (let i = 0; i < n; i++) {
    const sub = path.join(dir, `svc-${i}`)
    fs.mkdirSync(sub)
    const file = path.join(sub, "catalog-info.yaml")
    fs.writeFileSync(file, entityYaml(i))
    files.push(file)
  }

  const peer = async () => {
    let accepted = 0
    for (let i = 0; i < files.length; i += 32) {
      const texts = await Promise.all(files.slice(i, i + 32).map((f) => fsp.readFile(f, "utf8")))
      for (const text of texts) {
        for (const doc of YAML.parseAllDocuments(text)) {
          if (await backstageValidate(doc.toJS())) accepted++
        }
      }
    }
    return accepted
  }
  const paved = () => Effect.runPromise(Catalog.load([dir], { integrity: false })).then((r) => r.entities.length)

  // Warm up both on a slice so neither pays for first-time compilation in the timed run.
  await Effect.runPromise(Catalog.load(files.slice(0, 500)))
  for (const f of files.slice(0, 500)) await backstageValidate(YAML.parse(fs.readFileSync(f, "utf8")))

  // Alternate the two and keep the best run of each, so a busy machine skews both alike.
  const best = { paved: Infinity, peer: Infinity }
  let rss = 0
  for (let round = 0; round < 3; round++) {
    const sampler = peakRss()
    let start = performance.now()
    const accepted = await paved()
    best.paved = Math.min(best.paved, performance.now() - start)
    rss = Math.max(rss, sampler.stop())
    start = performance.now()
    const peerAccepted = await peer()
    best.peer = Math.min(best.peer, performance.now() - start)
    if (accepted !== n || peerAccepted !== n) throw new Error(`accepted ${accepted} (paved) / ${peerAccepted} (backstage) of ${n}`)
  }
  const ms = best.paved
  const peerMs = best.peer
  const pavedRss = rss
  console.log(JSON.stringify({
    case: "load catalog-info.yaml files (read + parse + validate + relations)",
    n,
    ms: Math.round(ms),
    peer: "yaml + @backstage/catalog-model policy chain + kind validators",
    peerMs: Math.round(peerMs),
    ratio: +(peerMs / ms).toFixed(2),
    peakRssMb: mb(pavedRss)
  }))
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}
