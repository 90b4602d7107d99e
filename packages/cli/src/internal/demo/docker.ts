/**
 * What `paved demo --runtime docker` needs beyond the default demo: the image the demo's Score
 * files name (built offline under that tag when it is missing, since no registry may be
 * reachable), the services' npm dependencies bound read-only into every container, and the
 * check, through the Engine API, that teardown left no container, network or volume.
 */
import { Environments, NodeImage, ServiceRuntime } from "@paved/envs"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Output from "../../Output.js"

/** A host directory bound into every container. */
export interface Mount {
  readonly source: string
  readonly target: string
  readonly readOnly: boolean
}

const readJson = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>

/** Where `name` resolves from `from` by Node's rules: the nearest `node_modules/name` above it. */
const resolvePackage = (name: string, from: string): string | undefined => {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name)
    if (fs.existsSync(path.join(candidate, "package.json"))) return fs.realpathSync(candidate)
    if (path.dirname(dir) === dir) return undefined
  }
}

/**
 * The npm packages the demo services import (every bare `import` in `services/`, and everything
 * those packages depend on), as read-only binds at `/node_modules/<name>`:
 * Node resolves bare imports of files anywhere in the container through `/node_modules`. A
 * package nested inside another one's `node_modules` comes with its parent.
 */
export const dependencyMounts = (demoDir: string): Effect.Effect<ReadonlyArray<Mount>, Output.UsageError> =>
  Effect.try({
    try: () => {
      // The packages the services' modules import (bare specifiers), so nothing unused is bound.
      const services = path.join(demoDir, "services")
      const modules = fs.readdirSync(services, { recursive: true, encoding: "utf8" }).filter((f) => /\.(?:mjs|js)$/.test(f))
      const roots = [...new Set(modules.flatMap((f) =>
        [...fs.readFileSync(path.join(services, f), "utf8").matchAll(/^\s*import\s[^"']*["']([^"'.][^"']*)["']/gm)]
          .map((m) => m[1]!)
          .filter((spec) => !spec.startsWith("node:"))
          .map((spec) => spec.split("/").slice(0, spec.startsWith("@") ? 2 : 1).join("/"))
      ))].sort()
      const first = roots[0] === undefined ? undefined : resolvePackage(roots[0], demoDir)
      if (first === undefined) throw new Error(`${roots[0] ?? "nothing"} is not installed; run npm install at the repository root`)
      const top = roots[0]!.startsWith("@") ? path.dirname(path.dirname(first)) : path.dirname(first)
      const seen = new Set<string>()
      const mounts = new Map<string, Mount>()
      const visit = (name: string, from: string) => {
        const dir = resolvePackage(name, from)
        if (dir === undefined) throw new Error(`${name} (needed by ${from}) is not installed; run npm install at the repository root`)
        if (seen.has(dir)) return
        seen.add(dir)
        // A top-level package is bound itself; one nested in another's node_modules comes with it.
        const rel = path.relative(top, dir)
        if (!rel.startsWith("..") && !rel.split(path.sep).includes("node_modules")) {
          mounts.set(name, { source: dir, target: `/node_modules/${name}`, readOnly: true })
        }
        const manifest = readJson(path.join(dir, "package.json"))
        const deps = { ...(manifest.dependencies ?? {}) as Record<string, string>, ...(manifest.peerDependencies ?? {}) as Record<string, string> }
        const optional = new Set(Object.keys((manifest.optionalDependencies ?? {}) as Record<string, string>))
        for (const dep of Object.keys(deps)) {
          if (optional.has(dep) && resolvePackage(dep, dir) === undefined) continue
          if (manifest.peerDependencies !== undefined && dep in (manifest.peerDependencies as object) && resolvePackage(dep, dir) === undefined) continue
          visit(dep, dir)
        }
        for (const dep of optional) if (!(dep in deps) && resolvePackage(dep, dir) !== undefined) visit(dep, dir)
      }
      for (const name of roots) visit(name, demoDir)
      return [...mounts.values()].sort((a, b) => a.target.localeCompare(b.target))
    },
    catch: (e) => new Output.UsageError({ summary: `the demo services' dependencies: ${e instanceof Error ? e.message : String(e)}` })
  })

/**
 * Makes sure every image the planned services name exists, building the offline Node.js stand-in
 * (see `@paved/envs/NodeImage`) under a missing `node:*` tag and saying so on stderr.
 */
export const ensureImages = (planned: Environments.Plan): Effect.Effect<void, NodeImage.NodeImageError> =>
  Effect.forEach([...new Set(planned.services.map((s) => s.image))], (image) =>
    Effect.gen(function*() {
      if (!NodeImage.isNodeImage(image) || (yield* NodeImage.exists(image))) return
      yield* Output.diagnostic(`    ${image} is not on this machine and no registry is assumed: building it offline from this machine's Node.js (once; later runs reuse it)`)
      yield* NodeImage.build(image)
      yield* Output.diagnostic(`    built ${image}`)
    }), { discard: true })

/** Containers, networks and volumes still labelled with the demo's environment, from the Engine API. */
export const leftovers = (environment: string) =>
  Effect.gen(function*() {
    const runtime = yield* ServiceRuntime.makeDocker()
    const owned = (yield* runtime.owned(undefined)).filter((o) => o.environment === environment)
    return {
      containers: owned.filter((o) => o.kind === "container").length,
      networks: owned.filter((o) => o.kind === "network").length,
      volumes: owned.filter((o) => o.kind === "volume").length
    }
  })
