/**
 * (a) Validating in-memory entities: Paved's `Catalog.validateEntitiesWith` against Backstage's
 * default policy chain + kind validators, same input, same process. Runs alternate between the
 * two and the best run of each counts, so a busy machine skews both alike. Two Paved cases:
 * validation alone (what the peer does), and validation plus relations with their inverses.
 * Prints one JSON line per case.
 */
import { Catalog } from "@paved/catalog"
import { backstageValidate } from "./backstage.js"
import { entities, mb, peakRss } from "./entities.js"

const time = async (f: () => unknown) => {
  const start = performance.now()
  await f()
  return performance.now() - start
}

// Warm both sides (JIT, Backstage's lazily compiled ajv validators).
const warm = entities(2000)
Catalog.validateEntitiesWith(warm)
for (const e of warm) await backstageValidate(e)

for (const n of [10_000, 100_000]) {
  const input = entities(n)
  const rounds = n > 10_000 ? 2 : 5
  const best = { alone: Infinity, relations: Infinity, peer: Infinity }
  let rss = 0
  for (let r = 0; r < rounds; r++) {
    best.alone = Math.min(best.alone, await time(() => {
      const { entities } = Catalog.validateEntitiesWith(input, undefined, false, false)
      if (entities.length !== n) throw new Error(`paved accepted ${entities.length} of ${n}`)
    }))
    const sampler = peakRss()
    best.relations = Math.min(best.relations, await time(() => {
      const { entities } = Catalog.validateEntitiesWith(input)
      if (entities.length !== n) throw new Error(`paved accepted ${entities.length} of ${n}`)
    }))
    rss = Math.max(rss, sampler.stop())
    best.peer = Math.min(best.peer, await time(async () => {
      let accepted = 0
      for (const e of input) if (await backstageValidate(e)) accepted++
      if (accepted !== n) throw new Error(`backstage accepted ${accepted} of ${n}`)
    }))
  }
  const us = (ms: number) => +((ms * 1000) / n).toFixed(2)
  for (const [label, ms] of [["validate in-memory entities", best.alone], ["validate in-memory entities + relations", best.relations]] as const) {
    console.log(JSON.stringify({
      case: label,
      n,
      ms: Math.round(ms),
      usPerEntity: us(ms),
      peer: "@backstage/catalog-model policy chain + kind validators",
      peerMs: Math.round(best.peer),
      peerUsPerEntity: us(best.peer),
      ratio: +(best.peer / ms).toFixed(2),
      peakRssMb: mb(rss)
    }))
  }
}
