/**
 * Planning 1,000 resources (target: ≤ 1 s), from scratch and against a recorded state where a
 * third changed. No peer tool runs here (Terraform is not installed); `ratio` is against the target.
 */
import { Plan, Request, Workload } from "@paved/provision"
import { Effect } from "effect"

const types = ["postgres", "mysql", "redis", "amqp", "s3", "volume", "queue", "environment"]
const tags = { owner: "group:default/team", system: "shop", "cost-centre": "cc-1" }
const n = 1000
const requests = Array.from({ length: n }, (_, i) => Request.make({ key: `svc${i % 100}.res${i}`, type: types[i % types.length]!, tags }))

const time = async (f: () => Promise<unknown>, rounds = 5) => {
  await f()
  const samples: Array<number> = []
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now()
    await f()
    samples.push(performance.now() - t0)
  }
  return Math.min(...samples)
}

const fresh = await time(() => Effect.runPromise(Plan.make({ env: "bench", envType: "production", requests, state: [] })))
const first = await Effect.runPromise(Plan.make({ env: "bench", envType: "production", requests, state: [] }))
const state: Array<Plan.Recorded> = first.changes.map((c, i) => ({
  env: "bench", key: c.resource, type: c.type, class: c.class, name: c.desired!.name,
  settings: i % 3 === 0 ? { ...c.desired!.settings, size: "small" } : c.desired!.settings,
  tags: c.desired!.tags, params: c.desired!.request.params, status: "ready"
}))
const withState = await time(() => Effect.runPromise(Plan.make({ env: "bench", envType: "production", requests, state })))

// The same 1,000 resources as Score files: decode, check placeholders, plan.
const scoreText = (w: number) => [
  "apiVersion: score.dev/v1b1", `metadata: { name: svc${w} }`, "containers:", "  main:", "    image: x", "    variables:",
  ...Array.from({ length: 10 }, (_, i) => `      V${i}: \${resources.r${i}.host}`), "resources:",
  ...Array.from({ length: 10 }, (_, i) => `  r${i}: { type: ${["postgres", "redis", "amqp", "mysql", "queue"][i % 5]} }`)
].join("\n")
const texts = Array.from({ length: 100 }, (_, w) => scoreText(w))
const fromScore = await time(async () => {
  const reqs = texts.flatMap((t, w) => Request.fromWorkload(Workload.decode(t, `svc${w}/score.yaml`).located!, { tags }))
  await Effect.runPromise(Plan.make({ env: "bench", envType: "production", requests: reqs, state: [] }))
})

for (const [name, ms] of [["plan 1000 resources (empty state)", fresh], ["plan 1000 resources (recorded state, 1/3 changed)", withState], ["decode 100 Score files + plan 1000 resources", fromScore]] as const) {
  console.log(JSON.stringify({ case: name, n, ms: Math.round(ms * 10) / 10, peer: "target 1000 ms", ratio: Math.round((ms / 1000) * 1000) / 1000 }))
}
