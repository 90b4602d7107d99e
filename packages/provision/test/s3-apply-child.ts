// Run by s3-concurrency.test.ts: one `apply` of many s3 resources, racing another process's.
import { Provision, Request } from "@paved/provision"
import { Effect } from "effect"

const [dir, env, count] = process.argv.slice(2)
const tags = { owner: "group:default/team", system: "shop", "cost-centre": "cc-1" }
const requests = Array.from({ length: Number(count) }, (_, i) => Request.make({ key: `b${i}`, type: "s3", tags }))
Effect.runPromise(Provision.apply({ env: env!, envType: "development", requests }, { concurrency: 10 }).pipe(
  Effect.provide(Provision.layerLocal({ dir: dir! }))
)).then(() => process.stdout.write("done\n"), (e) => {
  process.stderr.write(String(e) + "\n")
  process.exit(1)
})
