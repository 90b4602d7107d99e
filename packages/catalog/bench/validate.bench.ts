/**
 * (a) Validating in-memory entities: Paved's `Catalog.validateEntitiesWith` (rules, namespace
 * default, relations) against Backstage's default policy chain + kind validators, same input,
 * same process. Prints one JSON line per case.
 */
import { Catalog } from "@paved/catalog"
import { backstageValidate } from "./backstage.js"
import { entities, mb, peakRss } from "./entities.js"

const time = async (f: () => unknown | Promise<unknown>) => {
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
  let accepted = 0
  const rss = peakRss()
  const ms = await time(() => {
    accepted = Catalog.validateEntitiesWith(input).entities.length
  })
  const pavedRss = rss.stop()
  let peerAccepted = 0
  const peer = await time(async () => {
    for (const e of input) if (await backstageValidate(e)) peerAccepted++
  })
  if (accepted !== n || peerAccepted !== n) throw new Error(`accepted ${accepted} (paved) / ${peerAccepted} (backstage) of ${n}`)
  console.log(JSON.stringify({
    case: "validate in-memory entities",
    n,
    ms: Math.round(ms),
    usPerEntity: +((ms * 1000) / n).toFixed(2),
    peer: "@backstage/catalog-model policy chain + kind validators",
    peerMs: Math.round(peer),
    peerUsPerEntity: +((peer * 1000) / n).toFixed(2),
    ratio: +(peer / ms).toFixed(2),
    peakRssMb: mb(pavedRss)
  }))
}
