// Started by Owned.test.ts: brings an environment up detached on the embedded defaults and
// prints its progress, so the test can SIGKILL it at a chosen phase.
import { Catalog } from "@paved/catalog"
import { Environments, EnvStore, ServiceRuntime } from "@paved/envs"
import * as Provisioner from "@paved/provision/Provisioner"
import { Effect, Layer } from "effect"
import * as path from "node:path"

const [dir, name, templateDir, runtime = "local", services = "api"] = process.argv.slice(2) as [string, string, string, string?, string?]
const program = Effect.gen(function*() {
  const catalog = (yield* Catalog.load([path.join(dir, "org")])).entities
  yield* Effect.scoped(Environments.up({
    name,
    catalog,
    services: services.split(","),
    directory: path.join(dir, "envs", name),
    embeddedPostgres: { templateDir },
    onProgress: (p) => Effect.sync(() => process.stdout.write(`[${p.phase}] ${p.subject}: ${p.detail}\n`))
  }))
  process.stdout.write("UP\n")
})
Effect.runPromise(program.pipe(Effect.provide(Layer.mergeAll(
  EnvStore.layerSqlite({ filename: path.join(dir, "paved.db") }),
  Provisioner.layerLocal({ dir: path.join(dir, "state") }),
  runtime === "docker" ? ServiceRuntime.layerDocker() : ServiceRuntime.layerLocalProcesses
)))).catch((e) => {
  process.stdout.write(`FAILED ${String(e)}\n`)
  process.exit(1)
})
