// Run by s3-uploads.test.ts: the S3 endpoint alone in a process, so its memory can be measured.
import { S3Endpoint } from "@paved/provision"
import { Effect } from "effect"

const [dir, maxObjectBytes] = process.argv.slice(2)
Effect.runPromise(Effect.scoped(Effect.gen(function*() {
  const endpoint = yield* S3Endpoint.serve({ dir: dir!, port: 0, ...(maxObjectBytes === undefined ? {} : { maxObjectBytes: Number(maxObjectBytes) }) })
  process.stdout.write(JSON.stringify({ ...endpoint, pid: process.pid }) + "\n")
  yield* Effect.never
}))).catch((e) => {
  process.stderr.write(String(e) + "\n")
  process.exit(1)
})
