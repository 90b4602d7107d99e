/**
 * Start-up cost of the built `paved` command, in CPU seconds (user + system), against bare
 * `node -e 0` in the same run: median of 5 alternating rounds, each the mean of 5 runs
 * (`ROUNDS`, `REPEAT`). One JSON line per case with the ratio; targets: `--version` and `--help` at most 2x, `catalog validate` of one file at most
 * 3x. Also counts the modules each case loads (a loader hook), to show what a command pulls in
 * (the start-up bundle, `paved.cjs`, counts as none: it is compiled by `vm.Script`). The last
 * case runs validate without the code cache (`PAVED_CODE_CACHE=off`), to show what it saves.
 *
 * Run: `npm run build -w @paved/cli && npm run bench -w @paved/cli startup`.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))
const bin = path.resolve(here, "../dist/bin.js")
const rounds = Number(process.env["ROUNDS"] ?? 5)
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "paved-startup-"))
const file = path.join(scratch, "catalog-info.yaml")
fs.writeFileSync(file, [
  "apiVersion: backstage.io/v1alpha1",
  "kind: Component",
  "metadata:",
  "  name: cart",
  "spec:",
  "  type: service",
  "  lifecycle: production",
  "  owner: user:default/ada",
  "---",
  "apiVersion: backstage.io/v1alpha1",
  "kind: User",
  "metadata:",
  "  name: ada",
  "spec: {}",
  ""
].join("\n"))
// Counts every module the process loads: ESM through a loader hook (a shared counter, as the
// hook runs on its own thread), CommonJS from require.cache; printed on exit to fd 3.
const counter = path.join(scratch, "count.mjs")
fs.writeFileSync(counter, [
  "import { register, createRequire } from 'node:module'",
  "import * as fs from 'node:fs'",
  "const sab = new SharedArrayBuffer(4)",
  "const counts = new Int32Array(sab)",
  "register('data:text/javascript,' + encodeURIComponent('let c; export function initialize(d) { c = new Int32Array(d.sab) } export async function load(u, x, next) { Atomics.add(c, 0, 1); return next(u, x) }'), { data: { sab } })",
  "const require = createRequire(import.meta.url)",
  "process.on('exit', () => { try { fs.writeSync(3, String(Atomics.load(counts, 0) + Object.keys(require.cache).length)) } catch {} })"
].join("\n"))

const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`
const node = quote(process.execPath)

// CPU seconds of one run of a command, from the shell's `times` (children's user and system
// time) over `repeat` runs: `times` counts in ticks of 10 ms, a tenth of `node -e 0`, so one run
// alone would put a ratio up to 0.2 off.
const repeat = Number(process.env["REPEAT"] ?? 5)
const cpu = (command: string): number => {
  const loop = `i=0; while [ $i -lt ${repeat} ]; do ${command} >/dev/null 2>&1 </dev/null; i=$((i+1)); done; times`
  const r = spawnSync("/bin/sh", ["-c", loop], { encoding: "utf8", cwd: scratch })
  const line = r.stdout.trim().split("\n")[1] ?? ""
  const seconds = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]))
  return ((seconds[0] ?? NaN) + (seconds[1] ?? NaN)) / repeat
}

const modules = (args: string): number | null => {
  const r = spawnSync("/bin/sh", ["-c", `${node} --import ${quote(counter)} ${args} 3>&1 >/dev/null 2>/dev/null </dev/null`], { encoding: "utf8", cwd: scratch })
  const n = Number(r.stdout.trim())
  return Number.isFinite(n) && r.stdout.trim().length > 0 ? n : null
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const cases: ReadonlyArray<{ name: string; args: string; target: number | null; env?: string }> = [
  { name: "paved --version", args: `${quote(bin)} --version`, target: 2 },
  { name: "paved --help", args: `${quote(bin)} --help`, target: 2 },
  { name: "paved catalog validate (one file)", args: `${quote(bin)} catalog validate ${quote(file)}`, target: 3 },
  { name: "paved catalog validate --help", args: `${quote(bin)} catalog validate --help`, target: 3 },
  { name: "paved catalog validate (one file), no code cache", args: `${quote(bin)} catalog validate ${quote(file)}`, target: null, env: "PAVED_CODE_CACHE=off" }
]
const peer: Array<number> = []
const samples = cases.map(() => [] as Array<number>)
for (let round = 0; round < rounds; round++) {
  peer.push(cpu(`${node} -e 0`))
  cases.forEach((c, i) => samples[i]!.push(cpu(`${c.env === undefined ? "" : `env ${c.env} `}${node} ${c.args}`)))
}
const base = median(peer)
const load = os.loadavg().map((l) => Number(l.toFixed(2)))
console.log(JSON.stringify({ case: "node -e 0", cpuSeconds: Number(base.toFixed(3)), modules: modules("-e 0"), rounds, runsPerRound: repeat, loadavg: load }))
cases.forEach((c, i) => {
  const m = median(samples[i]!)
  console.log(JSON.stringify({
    case: c.name,
    cpuSeconds: Number(m.toFixed(3)),
    ratio: Number((m / base).toFixed(2)),
    target: c.target,
    ok: c.target === null ? null : m / base <= c.target,
    modules: modules(c.args),
    loadavg: load
  }))
})
fs.rmSync(scratch, { recursive: true, force: true })
