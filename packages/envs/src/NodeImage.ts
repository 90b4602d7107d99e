/**
 * A stand-in for the official `node:<version>-slim` image, built offline from this machine's own
 * Node.js, for machines that cannot reach an image registry (air-gapped CI, the demo, tests).
 *
 * The image is `FROM scratch` plus a root filesystem assembled from the host: the `node` binary
 * and the shared libraries `ldd` lists for it, npm (run by `node`, with `npm`/`npx` wrappers in
 * `/usr/local/bin`), `/bin/sh` with its libraries (so Dockerfile `RUN` lines and npm scripts work),
 * `/etc/passwd` with `root` and `node` (uid 1000, as in the official image), a world-writable
 * `/tmp`, and this machine's certificate authorities (`NODE_EXTRA_CA_CERTS`), so `npm ci` in a
 * build reaches the registry wherever the host does, through a TLS-inspecting proxy too. Like the official image it has no `WORKDIR` and runs `node` by default. It carries no
 * application dependencies: those come from the workload's own build or from the runtime's mounts.
 *
 * `ensure(tag)` builds it under the given tag when no image with that tag exists, so a Score file
 * or a Dockerfile that names `node:20-slim` finds it. The build goes through the Engine API
 * (`DOCKER_HOST` respected) with a tar context; nothing is pulled.
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { clientFor, followProgress } from "./internal/runtime/docker.js"

/**
 * Building or inspecting the image failed.
 *
 * @since 0.2.0
 */
export class NodeImageError extends Data.TaggedError("NodeImageError")<{
  readonly tag: string
  readonly reason: string
}> {
  override get message() {
    return `cannot build the offline Node.js image ${this.tag}: ${this.reason}; check that Docker runs (docker info) and that node, npm and ldd are installed on this machine`
  }
}

/**
 * Options of {@link ensure} and {@link build}.
 *
 * @since 0.2.0
 */
export interface Options {
  /** The Engine API address. Default: `DOCKER_HOST`, else the local socket. */
  readonly host?: string | undefined
  /** The Node.js binary to put in the image. Default: the one running this process. */
  readonly node?: string | undefined
  /**
   * The certificate authorities the image trusts for TLS (npm, fetch), as a PEM bundle. Default:
   * this machine's (`NODE_EXTRA_CA_CERTS`, `SSL_CERT_FILE`, else `/etc/ssl/certs/ca-certificates.crt`),
   * so a build behind a TLS-inspecting proxy reaches the registry as the host does. `false`: none.
   */
  readonly caBundle?: string | false | undefined
}

const hostCaBundle = (): string | undefined =>
  [process.env.NODE_EXTRA_CA_CERTS, process.env.SSL_CERT_FILE, "/etc/ssl/certs/ca-certificates.crt"]
    .find((f): f is string => f !== undefined && f !== "" && fs.existsSync(f))

/** The shared libraries a binary loads, with the loader itself (absolute paths). */
const libraries = (binary: string): ReadonlyArray<string> =>
  execFileSync("ldd", [binary], { encoding: "utf8" }).split("\n").flatMap((line) => {
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line)
    return match === null ? [] : [match[1]!]
  })

/** Every regular file below `root` (symbolic links followed), relative to it. */
const listFiles = (root: string, dir = ""): Array<string> =>
  fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = dir === "" ? e.name : `${dir}/${e.name}`
    return e.isDirectory() ? listFiles(root, rel) : e.isFile() ? [rel] : []
  })

/** The npm that ships with a Node.js binary: `<prefix>/lib/node_modules/npm`. */
const npmOf = (node: string): string | undefined => {
  for (const candidate of [path.join(path.dirname(path.dirname(node)), "lib", "node_modules", "npm"), "/usr/lib/node_modules/npm", "/usr/local/lib/node_modules/npm"]) {
    if (fs.existsSync(path.join(candidate, "bin", "npm-cli.js"))) return candidate
  }
  return undefined
}

// Run inside the image while building it (it has no coreutils): modes and owners COPY cannot set.
const fixup = [
  "const fs = require('fs')",
  "fs.chmodSync('/tmp', 0o1777)",
  "fs.chownSync('/home/node', 1000, 1000)",
  "for (const f of ['/tmp/.keep', '/root/.keep', '/home/node/.keep']) fs.rmSync(f)"
].join("; ")

const assemble = (context: string, node: string, caBundle: string | undefined) => {
  const rootfs = path.join(context, "rootfs")
  const place = (source: string, target: string, mode = 0o755) => {
    const to = path.join(rootfs, target)
    fs.mkdirSync(path.dirname(to), { recursive: true })
    fs.copyFileSync(fs.realpathSync(source), to)
    fs.chmodSync(to, mode)
  }
  const write = (target: string, content: string, mode = 0o644) => {
    const to = path.join(rootfs, target)
    fs.mkdirSync(path.dirname(to), { recursive: true })
    fs.writeFileSync(to, content, { mode })
  }
  place(node, "usr/local/bin/node")
  for (const lib of libraries(node)) place(lib, lib)
  const sh = fs.realpathSync("/bin/sh")
  place(sh, "bin/sh")
  for (const lib of libraries(sh)) place(lib, lib)
  // npm packages' executables start with `#!/usr/bin/env node`.
  const env = fs.realpathSync("/usr/bin/env")
  place(env, "usr/bin/env")
  for (const lib of libraries(env)) place(lib, lib)
  const npm = npmOf(node)
  if (npm !== undefined) {
    fs.cpSync(npm, path.join(rootfs, "usr/local/lib/node_modules/npm"), { recursive: true, dereference: true })
    write("usr/local/bin/npm", "#!/bin/sh\nexec /usr/local/bin/node /usr/local/lib/node_modules/npm/bin/npm-cli.js \"$@\"\n", 0o755)
    write("usr/local/bin/npx", "#!/bin/sh\nexec /usr/local/bin/node /usr/local/lib/node_modules/npm/bin/npx-cli.js \"$@\"\n", 0o755)
  }
  if (caBundle !== undefined) place(caBundle, "etc/ssl/certs/ca-certificates.crt", 0o644)
  write("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n")
  write("etc/group", "root:x:0:\nnode:x:1000:\n")
  write("root/.keep", "")
  write("home/node/.keep", "")
  write("tmp/.keep", "")
  fs.writeFileSync(
    path.join(context, "Dockerfile"),
    [
      "FROM scratch",
      "COPY rootfs/ /",
      // /tmp world-writable, /home/node the node user's (COPY cannot set either).
      `RUN ${JSON.stringify(["/usr/local/bin/node", "-e", fixup])}`,
      "ENV PATH=/usr/local/bin:/usr/bin:/bin NODE_VERSION=" + process.versions.node +
      (caBundle === undefined ? "" : " NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt"),
      "CMD [\"node\"]",
      ""
    ].join("\n")
  )
}

/**
 * Builds the image under `tag`, replacing any image of that tag.
 *
 * @since 0.2.0
 */
export const build = (tag: string, options: Options = {}): Effect.Effect<string, NodeImageError> =>
  Effect.acquireUseRelease(
    Effect.try({
      try: () => fs.mkdtempSync(path.join(os.tmpdir(), "paved-node-image-")),
      catch: (e) => new NodeImageError({ tag, reason: String(e) })
    }),
    (context) =>
      Effect.tryPromise({
        try: async () => {
          const caBundle = options.caBundle === false ? undefined : options.caBundle ?? hostCaBundle()
          assemble(context, fs.realpathSync(options.node ?? process.execPath), caBundle)
          const docker = clientFor(options.host)
          const stream = await docker.buildImage({ context, src: listFiles(context) }, { t: tag, rm: true, forcerm: true })
          await followProgress(docker, stream)
          return tag
        },
        catch: (e) => new NodeImageError({ tag, reason: e instanceof Error ? e.message : String(e) })
      }),
    (context) => Effect.sync(() => fs.rmSync(context, { recursive: true, force: true }))
  )

/**
 * Whether an image with this tag is on the machine.
 *
 * @since 0.2.0
 */
export const exists = (tag: string, options: Options = {}): Effect.Effect<boolean> =>
  Effect.promise(() => clientFor(options.host).getImage(tag).inspect().then(() => true, () => false))

/**
 * Makes sure an image with this tag exists, building the stand-in when it does not. Returns
 * `"present"` or `"built"`.
 *
 * @since 0.2.0
 */
export const ensure = (tag: string, options: Options = {}): Effect.Effect<"present" | "built", NodeImageError> =>
  Effect.flatMap(exists(tag, options), (present) => present ? Effect.succeed("present" as const) : Effect.as(build(tag, options), "built" as const))

/**
 * Whether an image reference names the official Node.js image (`node`, `node:20-slim`,
 * `docker.io/library/node:22`), the ones this stand-in can replace.
 *
 * @since 0.2.0
 */
export const isNodeImage = (image: string): boolean => /^(?:(?:docker\.io\/)?library\/)?node(?::[\w.-]+)?$/.test(image)
