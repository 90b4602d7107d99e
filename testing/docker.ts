/**
 * Test support for the Docker runtime: small images built offline (no registry is reachable
 * from CI machines), cached by content.
 *
 * `nodeImage()` is `FROM scratch` plus a root filesystem assembled from this machine's `node`
 * binary and the shared libraries `ldd` lists for it, built through the Engine API with a tar
 * context. Its tag carries a hash of what went in, so a second call (or a second suite) finds it
 * and builds nothing. `imageFrom(dockerfile, files)` builds any small context the same way.
 */
import Docker from "dockerode"
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

/** The Engine API client the helpers use (DOCKER_HOST respected, as in the runtime). */
export const docker = (): Docker => {
  const host = process.env.DOCKER_HOST
  if (host === undefined || host === "") return new Docker()
  const url = new URL(host)
  return url.protocol === "unix:" ? new Docker({ socketPath: url.pathname }) : new Docker({ host: url.hostname, port: Number(url.port || 2375) })
}

const exists = async (tag: string) => docker().getImage(tag).inspect().then(() => true, () => false)

const listFiles = (root: string, dir = ""): Array<string> =>
  fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = dir === "" ? e.name : `${dir}/${e.name}`
    return e.isDirectory() ? listFiles(root, rel) : [rel]
  })

const build = async (context: string, tag: string) => {
  const d = docker()
  const stream = await d.buildImage({ context, src: listFiles(context) }, { t: tag, rm: true, forcerm: true })
  await new Promise<void>((resolve, reject) =>
    d.modem.followProgress(stream, (error: Error | null, output: Array<{ error?: string }>) => {
      const failed = output?.find((o) => o.error !== undefined)
      if (error !== null) reject(error)
      else if (failed !== undefined) reject(new Error(failed.error))
      else resolve()
    }))
}

/** The shared libraries a binary loads, with the loader itself (absolute paths). */
const libraries = (binary: string): ReadonlyArray<string> =>
  execFileSync("ldd", [binary], { encoding: "utf8" }).split("\n").flatMap((line) => {
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line)
    return match === null ? [] : [match[1]!]
  })

/**
 * An image with this machine's `node` as its entrypoint (`/usr/local/bin/node`), built once per
 * node binary and library set. Returns its tag.
 */
export const nodeImage = async (): Promise<string> => {
  const node = fs.realpathSync(process.execPath)
  const libs = libraries(node)
  const hash = createHash("sha256")
  for (const f of [node, ...libs]) {
    const stat = fs.statSync(f)
    hash.update(`${f}\0${stat.size}\0${stat.mtimeMs}\n`)
  }
  const tag = `paved-test/node:${hash.digest("hex").slice(0, 16)}`
  if (await exists(tag)) return tag
  const context = fs.mkdtempSync(path.join(os.tmpdir(), "paved-node-image-"))
  try {
    const rootfs = path.join(context, "rootfs")
    const place = (source: string, target: string) => {
      fs.mkdirSync(path.dirname(path.join(rootfs, target)), { recursive: true })
      fs.copyFileSync(fs.realpathSync(source), path.join(rootfs, target))
      fs.chmodSync(path.join(rootfs, target), 0o755)
    }
    place(node, "usr/local/bin/node")
    for (const lib of libs) place(lib, lib)
    fs.mkdirSync(path.join(rootfs, "tmp"), { recursive: true })
    fs.mkdirSync(path.join(rootfs, "app"), { recursive: true })
    fs.mkdirSync(path.join(rootfs, "etc"), { recursive: true })
    fs.writeFileSync(path.join(rootfs, "etc", "passwd"), "root:x:0:0:root:/root:/sbin/nologin\n", { flag: "w" })
    fs.writeFileSync(path.join(rootfs, "tmp", ".keep"), "")
    fs.writeFileSync(path.join(rootfs, "app", ".keep"), "")
    fs.writeFileSync(path.join(context, "Dockerfile"), "FROM scratch\nCOPY rootfs/ /\nWORKDIR /app\nENTRYPOINT [\"/usr/local/bin/node\"]\n")
    await build(context, tag)
    return tag
  } finally {
    fs.rmSync(context, { recursive: true, force: true })
  }
}

/**
 * Builds a small context (a Dockerfile plus files) under a tag, or, with no tag, under one
 * derived from the content. Returns the tag.
 */
export const imageFrom = async (files: Readonly<Record<string, string>>, tag?: string): Promise<string> => {
  const hash = createHash("sha256")
  for (const [name, content] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) hash.update(`${name}\0${content}\0`)
  const target = tag ?? `paved-test/built:${hash.digest("hex").slice(0, 16)}`
  if (tag === undefined && await exists(target)) return target
  const context = fs.mkdtempSync(path.join(os.tmpdir(), "paved-image-"))
  try {
    for (const [name, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(context, name)), { recursive: true })
      fs.writeFileSync(path.join(context, name), content)
    }
    await build(context, target)
    return target
  } finally {
    fs.rmSync(context, { recursive: true, force: true })
  }
}

/** Containers, networks and volumes that carry a label (e.g. `dev.paved.environment=pr-1`). */
export const labelled = async (label: string) => {
  const d = docker()
  const filters = JSON.stringify({ label: [label] })
  const [containers, networks, volumes] = await Promise.all([
    d.listContainers({ all: true, filters }),
    d.listNetworks({ filters }),
    d.listVolumes({ filters })
  ])
  return { containers: containers.length, networks: networks.length, volumes: (volumes.Volumes ?? []).length }
}
