// Run by resume.test.ts as a separate process that the test kills with SIGKILL mid-apply.
import { Provision, Request } from "@paved/provision"
import { Effect } from "effect"

const [dir, env, count] = process.argv.slice(2)
const requests = Array.from({ length: Number(count) }, (_, i) => Request.make({ key: `db${i}`, type: "postgres" }))
const program = Provision.apply({ env: env!, envType: "development", requests }, {
  concurrency: 2,
  onEvent: (e) => Effect.sync(() => process.stdout.write(JSON.stringify({ tag: e._tag, resource: "resource" in e ? e.resource : "" }) + "\n"))
})
Effect.runPromise(program.pipe(Effect.provide(Provision.layerLocal({ dir: dir!, postgres: "postgres://postgres@127.0.0.1:5432/postgres" }))))
  .then(() => process.stdout.write("done\n"))
