// Started by embedded-lifecycle.test.ts: starts the embedded server on a data directory, says
// so on stdout, and waits to be killed (SIGKILL, so nothing stops the server).
import { EmbeddedPostgres } from "@paved/provision"
import { Effect } from "effect"

const [dataDir] = process.argv.slice(2)
Effect.runPromise(Effect.scoped(Effect.gen(function*() {
  const running = yield* EmbeddedPostgres.start({ dataDir: dataDir! })
  process.stdout.write(`ready ${running.port}\n`)
  yield* Effect.never
}))).catch((e) => {
  process.stdout.write(`failed ${String(e)}\n`)
  process.exit(1)
})
