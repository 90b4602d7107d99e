import { it } from "@effect/vitest"
import { SpanStore } from "@paved/observe"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, describe, expect } from "vitest"
import { newTraceId, span } from "./spans.js"

describe("SpanStore (SQLite file) checkpoints", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-observe-checkpoint-"))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  // The writer's own connection checkpoints only past ~160 MiB of WAL; below that, spans reach
  // the database file only through the checkpointer beside it.
  it.live("spans written reach the database file while the store is open, and it closes with the store", () =>
    Effect.gen(function*() {
      const file = path.join(dir, "spans.db")
      const before = yield* Effect.gen(function*() {
        const store = yield* SpanStore.SpanStore
        const sizeBefore = fs.statSync(file).size
        const traceId = newTraceId()
        yield* store.insertSpans(Array.from({ length: 2000 }, (_, i) => span({ traceId, service: "checkout", name: `op${i % 7}` })))
        let size = sizeBefore
        for (let waited = 0; waited < 5000 && size <= sizeBefore; waited += 50) {
          yield* Effect.sleep("50 millis")
          size = fs.statSync(file).size
        }
        expect(size).toBeGreaterThan(sizeBefore)
        return sizeBefore
      }).pipe(Effect.provide(SpanStore.layerSqlite({ filename: file })))
      expect(before).toBeGreaterThan(0)
      // Closed: the last connection folded the WAL back and removed it.
      expect(fs.existsSync(`${file}-wal`)).toBe(false)
      const traces = yield* Effect.gen(function*() {
        return yield* (yield* SpanStore.SpanStore).searchTraces({ since: "1000 days", limit: 10 })
      }).pipe(Effect.provide(SpanStore.layerSqlite({ filename: file })))
      expect(traces.length).toBe(1)
    }))
})
