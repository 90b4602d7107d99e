/**
 * Run by parse-worker.test.ts under `tsx` (a worker thread inherits it, so the parse worker can
 * start from the TypeScript sources, which it cannot inside Vitest): loads the directory given
 * and prints the result as JSON, with how many batches went to a worker thread.
 *
 * `node --import tsx --conditions=@paved/source load.ts DIR '{"maxFileBytes":4096,"timeoutMs":500,"slowMs":1}'`:
 * `slowMs` makes this thread wait that long after each file (a slow progress listener), so that
 * the worker, slow to start from TypeScript, is up while files are left.
 */
import { Catalog } from "@paved/catalog"
import * as Effect from "effect/Effect"
import { Worker } from "node:worker_threads"

let batches = 0
const postMessage = Worker.prototype.postMessage
Worker.prototype.postMessage = function(this: Worker, ...args: Parameters<Worker["postMessage"]>) {
  batches++
  return postMessage.apply(this, args)
}

const [dir, json] = process.argv.slice(2)
const options = JSON.parse(json ?? "{}") as { maxFileBytes?: number; timeoutMs?: number; slowMs?: number }
const pause = new Int32Array(new SharedArrayBuffer(4))
const load = Catalog.load([dir!], {
  ...(options.maxFileBytes === undefined ? {} : { maxFileBytes: options.maxFileBytes }),
  ...(options.slowMs === undefined ? {} : { onProgress: () => Atomics.wait(pause, 0, 0, options.slowMs) })
})
const started = performance.now()
const result = await Effect.runPromise(options.timeoutMs === undefined ? Effect.asSome(load) : Effect.timeoutOption(load, options.timeoutMs))
process.stdout.write(JSON.stringify({ batches, ms: performance.now() - started, result: result._tag === "Some" ? result.value : null }))
