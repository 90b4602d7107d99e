/**
 * TUI performance over a SQLite catalog store holding 100k entities (BENCH_N to change):
 *
 * - first-frame: from `Tui.run` (store opened, runtime built) to the first frame with rows;
 * - fully-loaded: until every entity is in the search index;
 * - keystroke-to-frame: typing a filter one key at a time, from the key to the frame showing
 *   it (median, p95, max), against the peer of asking the store (`query` with full text, one
 *   page) on every keystroke;
 * - first-frame-process: the built `paved ui --db` in a pseudo-terminal, process start included.
 *
 * Prints one JSON line per case.
 */
import * as CatalogStore from "@paved/catalog/CatalogStore"
import xterm from "@xterm/headless"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as pty from "node-pty"
import { EventEmitter } from "node:events"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { populate } from "./fixture.js"

const n = Number(process.env.BENCH_N ?? 100_000)
const here = path.dirname(fileURLToPath(import.meta.url))
const pavedBin = path.resolve(here, "../../cli/dist/bin.js")

// eslint-disable-next-line no-control-regex
const plain = (s: string) => s.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "")

class FakeTerminal extends EventEmitter {
  isTTY = true
  columns = 80
  rows = 24
  last = ""
  lastAt = 0
  write(s: string): boolean {
    if (plain(s).trim().length > 0) {
      this.last = s
      this.lastAt = performance.now()
      this.emit("frame", s)
    }
    return true
  }
}

class FakeKeyboard extends EventEmitter {
  isTTY = true
  private data: string | null = null
  press(s: string) {
    this.data = s
    this.emit("readable")
    this.emit("data", s)
  }
  read = () => {
    const d = this.data
    this.data = null
    return d
  }
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}


const nextFrame = (term: FakeTerminal, predicate: (frame: string) => boolean, timeoutMs = 60_000): Promise<number> =>
  new Promise((resolve, reject) => {
    if (predicate(plain(term.last))) return resolve(term.lastAt)
    const timer = setTimeout(() => {
      term.off("frame", on)
      reject(new Error(`no matching frame; last:\n${plain(term.last)}`))
    }, timeoutMs)
    const on = (s: string) => {
      if (predicate(plain(s))) {
        clearTimeout(timer)
        term.off("frame", on)
        resolve(performance.now())
      }
    }
    term.on("frame", on)
  })

const stats = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!
  return { median: at(0.5), p95: at(0.95), max: s[s.length - 1]! }
}

const round = (x: number) => Math.round(x * 10) / 10

// Ink patches `console` while it renders, so results go straight to the process's stdout.
const emit = (line: unknown) => {
  process.stdout.write(JSON.stringify(line) + "\n")
}

const main = async () => {
  // As `paved ui` does: React's production build (it reads NODE_ENV when first loaded).
  process.env.NODE_ENV ??= "production"
  const { Tui } = await import("@paved/tui")
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paved-tui-bench-"))
  // BENCH_DB reuses a store already populated with BENCH_N entities (it is left in place).
  const reuse = process.env.BENCH_DB !== undefined && fs.existsSync(process.env.BENCH_DB)
  const db = reuse ? process.env.BENCH_DB! : path.join(dir, "catalog.db")
  try {
    if (!reuse) {
      const tPopulate = performance.now()
      await Effect.runPromise(populate(db, n))
      process.stderr.write(`populated ${n} entities in ${Math.round(performance.now() - tPopulate)} ms\n`)
    }

    const stdout = new FakeTerminal()
    const stdin = new FakeKeyboard()
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    const fiber = Effect.runFork(Tui.run(CatalogStore.layerSqlite({ filename: db }), {
      stdin: stdin as unknown as NodeJS.ReadStream,
      stdout: stdout as unknown as NodeJS.WriteStream
    }))
    const first = await nextFrame(stdout, (f) => /svc-\d+ /.test(f))
    const cpuFirst = process.cpuUsage(cpu0)
    emit({ case: "first-frame", n, ms: round(first - t0), cpuMs: round((cpuFirst.user + cpuFirst.system) / 1000), loadavg: os.loadavg()[0]!.toFixed(1) })
    const loaded = await nextFrame(stdout, (f) => f.includes(`${n.toLocaleString("en-US")} of ${n.toLocaleString("en-US")}`) && !f.includes("loading"))
    emit({ case: "fully-loaded", n, ms: round(loaded - t0) })

    stdin.press("/")
    await nextFrame(stdout, (f) => f.includes("/▏"))
    const queries = ["svc-4242", "team-42 java", "owner:team-1 kind:api", "synthetic deprecated"]
    const keyTimes: Array<number> = []
    const keyCpu: Array<number> = []
    const typed: Array<string> = []
    const cpuMs = () => {
      const u = process.cpuUsage()
      return (u.user + u.system) / 1000
    }
    for (const q of queries) {
      let text = ""
      for (const ch of q) {
        text += ch
        const t = performance.now()
        const c = cpuMs()
        stdin.press(ch)
        const shown = text
        const at = await nextFrame(stdout, (f) => f.includes(`/${shown}▏`))
        keyTimes.push(at - t)
        keyCpu.push(cpuMs() - c)
        typed.push(shown)
      }
      // Ctrl-U erases the filter: a full rescan of every row.
      const t = performance.now()
      stdin.press("\u0015")
      keyTimes.push((await nextFrame(stdout, (f) => f.includes("/▏") && f.includes(`${n.toLocaleString("en-US")} of`))) - t)
    }
    stdin.press("\r")
    stdin.press("q")
    await Effect.runPromise(Fiber.join(fiber))

    // The peer: ask the store for one page of full-text matches on every keystroke.
    const peerTimes = await Effect.runPromise(Effect.gen(function*() {
      const store = yield* CatalogStore.CatalogStore
      const out: Array<number> = []
      for (const text of typed) {
        const t = performance.now()
        yield* store.query({ text, limit: 20 })
        out.push(performance.now() - t)
      }
      return out
    }).pipe(Effect.provide(CatalogStore.layerSqlite({ filename: db }))))
    const ours = stats(keyTimes)
    const cpu = stats(keyCpu)
    const peer = stats(peerTimes)
    emit({
      case: "keystroke-to-frame",
      n,
      keys: keyTimes.length,
      ms: round(ours.median),
      p95: round(ours.p95),
      max: round(ours.max),
      cpuMs: round(cpu.median),
      cpuP95: round(cpu.p95),
      loadavg: os.loadavg()[0]!.toFixed(1),
      peer: "store.query({ text, limit: 20 }) per keystroke (no frame)",
      peerMs: round(peer.median),
      peerP95: round(peer.p95),
      ratio: round(peer.median / ours.median)
    })

    if (fs.existsSync(pavedBin)) {
      const term = new xterm.Terminal({ cols: 80, rows: 24, allowProposedApi: true })
      const env: Record<string, string> = {}
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== "CI") env[k] = v
      const t = performance.now()
      const child = pty.spawn(process.execPath, [pavedBin, "ui", "--db", db], { cols: 80, rows: 24, cwd: dir, env, name: "xterm-256color" })
      const exited = new Promise<void>((r) => child.onExit(() => r()))
      const shown = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("paved ui showed no rows")), 60_000)
        child.onData((d) => {
          term.write(d, () => {
            const b = term.buffer.active
            for (let i = 0; i < 24; i++) {
              if (b.getLine(b.viewportY + i)?.translateToString(true).match(/svc-\d+ /)) {
                clearTimeout(timer)
                return resolve(performance.now())
              }
            }
          })
        })
      })
      emit({ case: "first-frame-process", n, ms: round(shown - t), note: "node start + module load included" })
      child.write("q")
      await exited
      term.dispose()
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
