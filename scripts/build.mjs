#!/usr/bin/env node
/**
 * Builds every package of the workspace and says what it is doing, one line per step.
 *
 *   node scripts/build.mjs            JavaScript (tsup) and declarations (tsc), as published
 *   node scripts/build.mjs --js-only  JavaScript only: what `npm ci` needs to run `paved`
 *
 * Why a script and not `npm run build --workspaces`: that runs the packages one after the other
 * and prints nothing until each is done. Here JavaScript builds run two at a time (esbuild, about
 * a second each), and declarations run in dependency order, every package whose dependencies are
 * done in parallel, since each `tsc` reads the declarations of the packages it imports.
 * Declarations are only needed to publish (the workspace type-checks against `src/` through the
 * "@paved/source" condition), so the `prepare` step of `npm ci` skips them.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const jsOnly = process.argv.includes("--js-only")
const parallel = Math.max(1, Math.min(2, os.availableParallelism?.() ?? os.cpus().length))
const bin = (name) => path.join(root, "node_modules", ".bin", name)

const manifest = (dir) => JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"))
const rootManifest = manifest(root)
const packages = rootManifest.workspaces
  .filter((w) => w.startsWith("packages/"))
  .map((w) => path.join(root, w))
  .filter((dir) => fs.existsSync(path.join(dir, "tsup.config.ts")))
  .map((dir) => {
    const m = manifest(dir)
    return { dir, name: m.name, deps: Object.keys({ ...m.dependencies, ...m.devDependencies, ...m.peerDependencies }) }
  })
const names = new Set(packages.map((p) => p.name))

const run = (command, args, cwd) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (d) => (output += d))
    child.stderr.on("data", (d) => (output += d))
    child.on("close", (code) => resolve({ code, output }))
  })

const step = async (label, pkg, command, args) => {
  const started = Date.now()
  const { code, output } = await run(command, args, pkg.dir)
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  if (code !== 0) {
    process.stdout.write(`[build] ${label} ${pkg.name}: failed after ${seconds} s\n${output}\n`)
    throw new Error(`${label} of ${pkg.name} failed`)
  }
  process.stdout.write(`[build] ${label} ${pkg.name} (${seconds} s)\n`)
}

/** Runs `task` for every package, at most `parallel` at a time, each once its `after` ones are done. */
const schedule = async (task, after) => {
  const done = new Set()
  const running = new Map()
  const pending = [...packages]
  while (pending.length > 0 || running.size > 0) {
    const ready = pending.filter((p) => after(p).every((d) => done.has(d)))
    while (running.size < parallel && ready.length > 0) {
      const next = ready.shift()
      pending.splice(pending.indexOf(next), 1)
      running.set(next.name, task(next).then(() => next.name))
    }
    if (running.size === 0) throw new Error(`dependency cycle among ${pending.map((p) => p.name).join(", ")}`)
    const finished = await Promise.race(running.values())
    running.delete(finished)
    done.add(finished)
  }
}

const started = Date.now()
process.stdout.write(`[build] ${packages.length} packages: ${jsOnly ? "JavaScript" : "JavaScript and declarations"}, ${parallel} at a time\n`)
try {
  await schedule((p) => step("js", p, bin("tsup"), ["--silent"]), () => [])
  if (!jsOnly) {
    await schedule(
      (p) => step("types", p, bin("tsc"), ["-p", "tsconfig.build.json"]),
      (p) => p.deps.filter((d) => names.has(d))
    )
  }
} catch (error) {
  process.stdout.write(`[build] stopped: ${error.message}\n`)
  process.exit(1)
}
process.stdout.write(`[build] done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
