/**
 * The Docker runtime, through the Engine API (dockerode; `DOCKER_HOST` respected, else the local
 * socket). Per environment instance: a bridge network; per service, a container from the Score
 * image (or built from the workload's directory for `image: .`) with the environment, instance
 * and service as labels and the workload name as its DNS name on the network.
 *
 * Addresses on this machine (resource servers, the telemetry receiver) are rewritten for the
 * containers. On Linux the containers reach the host at the network's gateway address, and a
 * server bound to 127.0.0.1 only is reached through a small TCP forwarder on that address (a
 * process owned by the environment). On Docker Desktop, `host.docker.internal` reaches the
 * host's loopback directly and nothing is forwarded.
 */
import Docker from "dockerode"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as http from "node:http"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import type { EnvironmentRecord, ServiceRecord } from "../../Environment.js"
import { EnvironmentError, ServiceFailed } from "../../Environment.js"
import * as Processes from "../../Processes.js"
import type { Endpoint, Owned, ServiceRuntime, Session, StartRequest, Started } from "../../ServiceRuntime.js"
import type { Probe } from "../probe.js"
import type { ServiceSpec } from "../workload.js"
import { describeProbe, recordedConfig } from "./local.js"
import { tar } from "./tar.js"

/** Options of the Docker runtime. */
export interface Options {
  /** The Engine API address, e.g. `unix:///var/run/docker.sock` or `tcp://host:2375`. Default: `DOCKER_HOST`, else the local socket. */
  readonly host?: string | undefined
  /** The address containers use for this machine. Default: `host.docker.internal` on Docker Desktop, the network's gateway elsewhere. */
  readonly hostAddress?: string | undefined
  /**
   * Host paths bound into every container of the environment (e.g. dependencies a development
   * image does not carry). Missing sources are an error before anything starts.
   */
  readonly mounts?: ReadonlyArray<{ readonly source: string; readonly target: string; readonly readOnly?: boolean | undefined }> | undefined
  /**
   * How Score `files` get into a container. `bind`: written under the environment's directory and
   * bind-mounted, as score-compose does (the engine must see this machine's paths). `copy`:
   * copied into the container before it starts (the engine unpacks them with a process of its
   * own per container, which is what makes it slower). Default: `bind` when the engine runs on
   * this machine (its name is this machine's host name), else `copy` (a remote engine, Docker
   * Desktop, a CI container talking to its host's engine).
   */
  readonly files?: "bind" | "copy" | undefined
}

/** The labels every object of an environment carries. */
export const LABEL = { environment: "dev.paved.environment", instance: "dev.paved.instance", service: "dev.paved.service" } as const

export const clientFor = (host: string | undefined): Docker => {
  const target = host ?? process.env.DOCKER_HOST
  if (target === undefined || target === "") return new Docker()
  const url = new URL(target)
  if (url.protocol === "unix:") return new Docker({ socketPath: url.pathname })
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: url.protocol === "https:" ? "https" : "http" })
}

const message = (e: unknown) => {
  if (e !== null && typeof e === "object") {
    const json = (e as { json?: { message?: string } }).json
    if (json?.message !== undefined) return json.message
    if (e instanceof Error) return e.message
  }
  return String(e)
}

const short = (instance: string) => instance.replace(/-/g, "").slice(0, 8)

/** Kubernetes-style quantities to Docker's: memory in bytes, CPUs in nano-CPUs. */
export const memoryBytes = (quantity: string | undefined): number | undefined => {
  if (quantity === undefined) return undefined
  const match = /^(\d+(?:\.\d+)?)\s*(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity.trim())
  if (match === null) return undefined
  const units: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }
  return Math.round(Number(match[1]) * (match[2] === undefined ? 1 : units[match[2]]!))
}

export const nanoCpus = (quantity: string | undefined): number | undefined => {
  if (quantity === undefined) return undefined
  const trimmed = quantity.trim()
  const cpus = trimmed.endsWith("m") ? Number(trimmed.slice(0, -1)) / 1000 : Number(trimmed)
  return Number.isFinite(cpus) && cpus > 0 ? Math.round(cpus * 1e9) : undefined
}

const record = (value: unknown): Readonly<Record<string, unknown>> =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? value as Record<string, unknown> : {}

const strings = (value: unknown): ReadonlyArray<string> | undefined =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : undefined

/** Score `files` and `volumes` come as a list (v1b1) or a map keyed by target (later drafts). */
const entries = (value: unknown): ReadonlyArray<Readonly<Record<string, unknown>>> =>
  Array.isArray(value) ? value.map(record) : Object.entries(record(value)).map(([target, v]) => ({ target, ...record(v) }))

const listFiles = (root: string): ReadonlyArray<string> => {
  const out: Array<string> = []
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name === ".git") continue
      const rel = dir === "" ? entry.name : `${dir}/${entry.name}`
      if (entry.isDirectory()) walk(rel)
      else if (entry.isFile()) out.push(rel)
    }
  }
  walk("")
  return out.sort()
}

export const followProgress = (docker: Docker, stream: NodeJS.ReadableStream) =>
  new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (error: Error | null, output: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
      const failed = output?.find((o) => o.error !== undefined)
      if (error !== null) reject(error)
      else if (failed !== undefined) reject(new Error(failed.errorDetail?.message ?? failed.error))
      else resolve()
    }))

/** Demultiplexes Docker's log frames (8-byte header per frame when the container has no TTY). */
const demux = (buffer: Buffer): string => {
  if (buffer.length < 8 || buffer[1] !== 0 || buffer[2] !== 0 || buffer[3] !== 0 || buffer[0]! > 2) return buffer.toString("utf8")
  const parts: Array<Buffer> = []
  let offset = 0
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4)
    parts.push(buffer.subarray(offset + 8, offset + 8 + size))
    offset += 8 + size
  }
  return Buffer.concat(parts).toString("utf8")
}

const probeOnce = (docker: Docker, container: Docker.Container, probe: Probe, address: { host: string; port: number }) =>
  Effect.async<boolean>((resume) => {
    const done = (ok: boolean) => resume(Effect.succeed(ok))
    if (probe._tag === "alive") return done(true)
    if (probe._tag === "tcp") {
      const socket = net.connect({ host: address.host, port: address.port })
      socket.setTimeout(1_000, () => (socket.destroy(), done(false)))
      socket.once("connect", () => (socket.destroy(), done(true)))
      socket.once("error", () => done(false))
      return Effect.sync(() => socket.destroy())
    }
    if (probe._tag === "httpGet") {
      const request = http.get({
        host: address.host,
        port: address.port,
        path: probe.path,
        timeout: 1_000,
        headers: Object.fromEntries(probe.headers.map((h) => [h.name, h.value]))
      }, (response) => {
        response.resume()
        const status = response.statusCode ?? 0
        done(status >= 200 && status < 400)
      })
      request.once("timeout", () => request.destroy())
      request.once("error", () => done(false))
      return Effect.sync(() => request.destroy())
    }
    container.exec({ Cmd: [...probe.command], AttachStdout: true, AttachStderr: true })
      .then(async (exec) => {
        const stream = await exec.start({ hijack: true, stdin: false })
        stream.resume()
        await new Promise((r) => stream.once("end", r))
        const inspected = await exec.inspect()
        done(inspected.ExitCode === 0)
      })
      .catch(() => done(false))
    void docker
  })

interface PreparedImage {
  readonly image: string
}

/** The container ports of a workload's service ports, the first one being the service's `PORT`. */
const portsOf = (service: ServiceSpec): ReadonlyArray<number> =>
  Object.values(record(service.workload.service?.ports)).map(record)
    .map((p) => Number(p.targetPort ?? p.port)).filter((n) => Number.isInteger(n) && n > 0)

/** How peers reach a service: its workload name on the environment's network (none without ports). */
const endpointOf = (service: ServiceSpec): Endpoint | undefined => {
  const port = portsOf(service)[0]
  const host = service.workload.metadata.name
  return port === undefined ? undefined : { url: `http://${host}:${port}`, host, port }
}

/** The first readiness poll comes this soon after the start, then twice as late each time, up to the cap. */
const firstPoll = 5
const pollCap = 100

const forwarderScript = `
const net = require("net")
const [host, ...ports] = process.argv.slice(1)
let pending = ports.length
const done = () => { if (--pending === 0) console.log("ready") }
if (pending === 0) console.log("ready")
for (const p of ports) {
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: "127.0.0.1", port: Number(p) })
    client.pipe(upstream).pipe(client)
    const close = () => { client.destroy(); upstream.destroy() }
    client.on("error", close); upstream.on("error", close)
  })
  server.once("error", (e) => { console.log("port " + p + ": " + e.code); done() })
  server.listen(Number(p), host, done)
}
`

/** The Docker runtime. */
export const make = (options: Options): Effect.Effect<ServiceRuntime["Type"], EnvironmentError> =>
  Effect.sync(() => {
    const docker = clientFor(options.host)
    const api = <A>(environment: string, operation: string, f: () => Promise<A>) =>
      Effect.tryPromise({ try: f, catch: (e) => new EnvironmentError({ environment, operation, reason: message(e) }) })

    const listOwned = (filters: Record<string, Array<string>>) =>
      api("", "listing what environments own in Docker", async () => {
        const f = JSON.stringify(filters)
        const [containers, networks, volumes] = await Promise.all([
          docker.listContainers({ all: true, filters: f }),
          docker.listNetworks({ filters: f }),
          docker.listVolumes({ filters: f })
        ])
        const owned: Array<Owned> = [
          ...containers.map((c) => ({ kind: "container" as const, id: c.Id, environment: c.Labels[LABEL.environment] ?? "", instance: c.Labels[LABEL.instance] ?? "" })),
          ...networks.map((n) => ({ kind: "network" as const, id: n.Id, environment: n.Labels?.[LABEL.environment] ?? "", instance: n.Labels?.[LABEL.instance] ?? "" })),
          ...(volumes.Volumes ?? []).map((v) => ({ kind: "volume" as const, id: v.Name, environment: v.Labels?.[LABEL.environment] ?? "", instance: v.Labels?.[LABEL.instance] ?? "" }))
        ]
        return owned
      })

    const removeOwned = (owned: ReadonlyArray<Owned>) =>
      Effect.promise(async () => {
        const ignoreMissing = (e: unknown) => {
          if ((e as { statusCode?: number }).statusCode !== 404) throw e
        }
        await Promise.all(owned.filter((o) => o.kind === "container").map((o) => docker.getContainer(o.id).remove({ force: true, v: true }).catch(ignoreMissing)))
        await Promise.all(owned.filter((o) => o.kind === "volume").map((o) => docker.getVolume(o.id).remove().catch(ignoreMissing)))
        await Promise.all(owned.filter((o) => o.kind === "network").map((o) => docker.getNetwork(o.id).remove().catch(ignoreMissing)))
      })

    const prepareImage = (environment: string, service: ServiceSpec, progress: (d: string, s: string) => Effect.Effect<void>) =>
      Effect.gen(function*() {
        const failed = (reason: string) => new ServiceFailed({ environment, ref: service.ref, reason })
        if (service.image === "." || service.image.startsWith("./")) {
          const context = path.resolve(service.directory, service.image)
          if (!fs.existsSync(path.join(context, "Dockerfile"))) {
            return yield* failed(`its image is "${service.image}" (build this directory), but ${context} has no Dockerfile`)
          }
          const files = listFiles(context)
          const hash = createHash("sha256")
          for (const f of files) hash.update(f).update("\0").update(fs.readFileSync(path.join(context, f)))
          const tag = `paved-build/${service.name}:${hash.digest("hex").slice(0, 16)}`
          const present = yield* Effect.promise(() => docker.getImage(tag).inspect().then(() => true, () => false))
          if (!present) {
            yield* progress(`building ${context} as ${tag}`, service.ref)
            yield* Effect.tryPromise({
              try: async () => followProgress(docker, await docker.buildImage({ context, src: [...files] }, { t: tag, rm: true, forcerm: true })),
              catch: (e) => failed(`building its image from ${context}/Dockerfile failed: ${message(e)}`)
            })
          }
          return { image: tag } satisfies PreparedImage
        }
        const local = yield* Effect.promise(() => docker.getImage(service.image).inspect().then(() => true, () => false))
        if (local) return { image: service.image } satisfies PreparedImage
        yield* progress(`pulling ${service.image}`, service.ref)
        yield* Effect.tryPromise({
          try: async () => followProgress(docker, await docker.pull(service.image)),
          catch: (e) =>
            failed(
              `workload ${service.workload.metadata.name} uses image "${service.image}", which is neither on this machine nor pullable (${message(e).split("\n")[0]}); ` +
                `build or load it (docker build -t ${service.image} …), or write image: . to build ${service.directory}/Dockerfile`
            )
        })
        return { image: service.image } satisfies PreparedImage
      })

    const runtime: ServiceRuntime["Type"] = {
      kind: "docker",
      open: (request) =>
        Effect.gen(function*() {
          const { environment, instance } = request
          const missing = (options.mounts ?? []).filter((m) => !path.isAbsolute(m.source) || !fs.existsSync(m.source))
          if (missing.length > 0) {
            return yield* new EnvironmentError({
              environment,
              operation: "checking the Docker runtime's mounts",
              reason: `${missing.map((m) => m.source).join(", ")} ${missing.length === 1 ? "is" : "are"} not an existing absolute path on this machine; fix the runtime's mounts option`
            })
          }
          // Every image is checked (and built) before anything is created; services that share an
          // image check it once, and the engine is asked about everything at the same time.
          const imageKey = (service: ServiceSpec) =>
            service.image === "." || service.image.startsWith("./") ? `build:${path.resolve(service.directory, service.image)}` : service.image
          const distinct = [...new Map(request.services.map((s) => [imageKey(s), s])).values()]
          const [reached, checked] = yield* Effect.all([
            api(environment, "reaching the Docker engine", () => docker.info() as Promise<{ OperatingSystem?: string; Name?: string }>).pipe(Effect.either),
            Effect.forEach(distinct, (service) => prepareImage(environment, service, request.progress), { concurrency: 4 }).pipe(Effect.either)
          ], { concurrency: 2 })
          if (reached._tag === "Left") {
            return yield* new EnvironmentError({
              environment,
              operation: "reaching the Docker engine",
              reason: `${reached.left.reason}; start Docker (or set DOCKER_HOST), or use --runtime local`
            })
          }
          if (checked._tag === "Left") return yield* checked.left
          const info = reached.right
          const desktop = /docker desktop/i.test(info.OperatingSystem ?? "")
          const bindFiles = (options.files ?? (info.Name === os.hostname() ? "bind" : "copy")) === "bind"
          const imageOf = new Map(distinct.map((s, i) => [imageKey(s), checked.right[i]!.image]))
          const labels = { [LABEL.environment]: environment, [LABEL.instance]: instance }
          const networkName = `paved-${environment}-${short(instance)}`
          // The network is created while the environment's resources are provisioned: `reach`
          // (its gateway) and the first container wait for it, nothing before.
          const creating = yield* Effect.forkScoped(Effect.gen(function*() {
            const network = yield* Effect.acquireRelease(
              api(environment, `creating network ${networkName}`, () => docker.createNetwork({ Name: networkName, Driver: "bridge", Labels: labels, CheckDuplicate: true })),
              (n, exit) => request.keep(exit) ? Effect.void : Effect.promise(() => n.remove().catch(() => undefined)).pipe(Effect.timeout(Duration.seconds(30)), Effect.ignore)
            )
            const inspected = yield* api(environment, `inspecting network ${networkName}`, () => network.inspect() as Promise<{ IPAM?: { Config?: Array<{ Gateway?: string }> } }>)
            const gateway = inspected.IPAM?.Config?.find((c) => c.Gateway !== undefined)?.Gateway
            return { gateway, hostAddress: options.hostAddress ?? (desktop ? "host.docker.internal" : gateway ?? "host.docker.internal") }
          }))
          const network = Fiber.join(creating)
          let forwarding: Effect.Effect<void, string> = Effect.void
          const volumes = new Map<string, string>()
          // Containers are created one at a time, in the order asked (the start order): creating
          // the later ones in the background must not slow down starting the first ones.
          const creatingOne = yield* Effect.makeSemaphore(1)

          const session: Session = {
            reach: (values) =>
              Effect.gen(function*() {
                const { gateway, hostAddress } = yield* network
                const rewrite = (value: string) => value.replace(/\b(?:127\.0\.0\.1|localhost)\b/g, hostAddress)
                if (desktop || options.hostAddress !== undefined || gateway === undefined) return rewrite
                const ports = new Set<string>()
                for (const v of values) for (const m of v.matchAll(/\b(?:127\.0\.0\.1|localhost):(\d+)/g)) ports.add(m[1]!)
                if (ports.size === 0) return rewrite
                const logFile = path.join(request.directory, "forwarder.log")
                const env: Record<string, string> = { PATH: process.env.PATH ?? "", [Processes.INSTANCE_VARIABLE]: instance, PAVED_ENVIRONMENT: environment }
                const spawned = yield* Effect.acquireRelease(
                  Processes.spawnDetached({ command: process.execPath, args: ["-e", forwarderScript, gateway, ...ports], cwd: request.directory, env, logFile }).pipe(
                    Effect.mapError((e) => new EnvironmentError({ environment, operation: "starting the port forwarder for containers", reason: e.message }))
                  ),
                  (child, exit) => request.keep(exit) ? Effect.void : Processes.stopGroup({ pgid: child.pid, startTime: child.startTime, instance }).pipe(Effect.ignore)
                )
                // Containers are created while the forwarder comes up; the first start waits for it.
                const listening = yield* Effect.forkScoped(Effect.gen(function*() {
                  const deadline = Date.now() + 10_000
                  while (!fs.readFileSync(logFile, "utf8").includes("ready")) {
                    if (spawned.exited() !== undefined || Date.now() > deadline) {
                      return yield* Effect.fail(`the port forwarder for containers did not start: ${fs.readFileSync(logFile, "utf8")}`)
                    }
                    yield* Effect.sleep(Duration.millis(10))
                  }
                  yield* request.progress(`containers reach this machine at ${gateway} (ports ${[...ports].join(", ")})`, environment)
                }))
                forwarding = Fiber.join(listening)
                return rewrite
              }),
            start: (start) => Effect.flatten(prepareContainer(start)),
            endpointOf,
            prepare: (start) => creatingOne.withPermits(1)(prepareContainer(start))
          }

          /** Creates a service's container (and its volumes, and copies its files); the effect it returns starts it and waits for readiness. */
          const prepareContainer = (
            start: StartRequest
          ): Effect.Effect<Effect.Effect<Started, ServiceFailed, Scope.Scope>, ServiceFailed, Scope.Scope> =>
            Effect.gen(function*() {
              const service = start.service
              const failed = (reason: string) => new ServiceFailed({ environment, ref: service.ref, reason })
              const call = <A>(what: string, f: () => Promise<A>) => Effect.tryPromise({ try: f, catch: (e) => failed(`${what}: ${message(e)}`) })
              const container = record(service.workload.containers[service.container])
              const image = imageOf.get(imageKey(service))!
              const ports = portsOf(service)
              const exposed = Object.fromEntries(ports.map((p) => [`${p}/tcp`, {}]))
              const bindings = Object.fromEntries(ports.map((p) => [`${p}/tcp`, [{ HostIp: "127.0.0.1", HostPort: "" }]]))
              const name = `paved-${environment}-${service.name}-${short(instance)}`
              const mounts: Array<{ Type: "volume" | "bind"; Source: string; Target: string; ReadOnly: boolean }> = (options.mounts ?? [])
                .map((m) => ({ Type: "bind" as const, Source: m.source, Target: m.target, ReadOnly: m.readOnly ?? true }))
              const files = yield* Effect.try({
                try: () => entries(container.files).flatMap((f) => {
                  const target = typeof f.target === "string" ? f.target : undefined
                  if (target === undefined) return []
                  const content = typeof f.content === "string"
                    ? Buffer.from(f.content)
                    : typeof f.source === "string"
                    ? fs.readFileSync(path.resolve(service.directory, f.source))
                    : undefined
                  if (content === undefined) return []
                  const mode = typeof f.mode === "string" ? parseInt(f.mode, 8) : 0o644
                  return [{ path: path.posix.normalize(`/${target}`).slice(1), content, mode }]
                }),
                catch: (e) => failed(`reading its files: ${message(e)}`)
              })
              if (bindFiles) {
                // Written to the environment's directory (removed with it) and bound in place.
                const root = path.join(request.directory, "files", service.name)
                yield* Effect.try({
                  try: () => {
                    for (const f of files) {
                      const source = path.join(root, f.path)
                      fs.mkdirSync(path.dirname(source), { recursive: true })
                      fs.writeFileSync(source, f.content)
                      fs.chmodSync(source, f.mode)
                      mounts.push({ Type: "bind", Source: source, Target: `/${f.path}`, ReadOnly: false })
                    }
                  },
                  catch: (e) => failed(`writing its files to ${root}: ${message(e)}`)
                })
              }
              for (const v of entries(container.volumes)) {
                const source = typeof v.source === "string" ? v.source : ""
                const target = typeof v.target === "string" ? v.target : typeof v.path === "string" ? v.path : undefined
                if (target === undefined) continue
                const readOnly = v.readOnly === true || v.read_only === true
                if (path.isAbsolute(source) && fs.existsSync(source)) {
                  mounts.push({ Type: "bind", Source: source, Target: target, ReadOnly: readOnly })
                  continue
                }
                // A named volume per environment (a `volume` resource, or any other source).
                const key = source.replace(/[^a-zA-Z0-9_.-]/g, "_") || target.replace(/[^a-zA-Z0-9_.-]/g, "_")
                let volume = volumes.get(key)
                if (volume === undefined) {
                  volume = `paved-${environment}-${short(instance)}-${key}`.slice(0, 120)
                  const created = volume
                  yield* Effect.acquireRelease(
                    call(`creating volume ${created}`, () => docker.createVolume({ Name: created, Labels: labels })),
                    (_, exit) => request.keep(exit) ? Effect.void : Effect.promise(() => docker.getVolume(created).remove().catch(() => undefined)).pipe(Effect.ignore)
                  )
                  volumes.set(key, created)
                }
                mounts.push({ Type: "volume", Source: volume, Target: target, ReadOnly: readOnly })
              }
              const env = {
                ...start.variables,
                ...(ports[0] === undefined ? {} : { PORT: String(ports[0]) }),
                PAVED_ENVIRONMENT: environment,
                PAVED_ENTITY_REF: service.ref,
                // Tells a service it is in a container: answer on the container's network, not loopback.
                PAVED_RUNTIME: "docker"
              }
              const command = strings(container.command)
              const args = strings(container.args)
              yield* network.pipe(Effect.mapError((e) => failed(e.message)))
              yield* request.progress(`creating container ${name} from ${image}`, service.ref)
              const created = yield* Effect.acquireRelease(
                call(`creating container ${name}`, () =>
                  docker.createContainer({
                    name,
                    Image: image,
                    ...(command === undefined ? {} : { Entrypoint: [...command] }),
                    ...(args === undefined ? {} : { Cmd: [...args] }),
                    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
                    Labels: { ...labels, [LABEL.service]: service.ref },
                    ExposedPorts: exposed,
                    HostConfig: {
                      NetworkMode: networkName,
                      PortBindings: bindings,
                      ExtraHosts: ["host.docker.internal:host-gateway"],
                      Mounts: mounts,
                      ...(memoryBytes(service.limits.memory) === undefined ? {} : { Memory: memoryBytes(service.limits.memory) }),
                      ...(nanoCpus(service.limits.cpu) === undefined ? {} : { NanoCpus: nanoCpus(service.limits.cpu) })
                    },
                    NetworkingConfig: { EndpointsConfig: { [networkName]: { Aliases: [...new Set([service.workload.metadata.name, service.name])] } } }
                  })),
                (c, exit) =>
                  request.keep(exit) ? Effect.void : Effect.promise(() => c.remove({ force: true, v: true }).catch(() => undefined)).pipe(Effect.timeout(Duration.seconds(30)), Effect.ignore)
              )
              if (!bindFiles && files.length > 0) yield* call("copying its files into the container", () => created.putArchive(tar(files), { path: "/" }))
              return Effect.gen(function*() {
                yield* forwarding.pipe(Effect.mapError(failed))
                yield* request.progress(`starting container ${name}`, service.ref)
                yield* call(`starting container ${name}`, () => created.start())
                const deadline = Date.now() + Duration.toMillis(start.readyTimeout)
                const logTail = () => Effect.promise(() => created.logs({ stdout: true, stderr: true, tail: 20 }).then((b) => demux(b as unknown as Buffer).trimEnd(), () => ""))
                const inspect = call("inspecting its container", () => created.inspect())
                if (service.probe._tag === "alive") yield* Effect.sleep(Duration.millis(500))
                let state = yield* inspect
                const published = ports[0] === undefined ? undefined : state.NetworkSettings.Ports?.[`${ports[0]}/tcp`]?.[0]?.HostPort
                const hostPort = published === undefined ? undefined : Number(published)
                // The host reaches a container's address directly on Linux; Docker Desktop only
                // through the published port (whose proxy accepts before the service does).
                const ip = state.NetworkSettings.Networks?.[networkName]?.IPAddress
                const address = !desktop && ip !== undefined && ip !== "" && ports[0] !== undefined
                  ? { host: ip, port: ports[0] }
                  : { host: "127.0.0.1", port: hostPort ?? 0 }
                let delay = firstPoll
                while (true) {
                  if (!state.State.Running) {
                    const output = yield* logTail()
                    return yield* failed(`its container ${name} exited (code ${state.State.ExitCode}) before becoming ready${output.length > 0 ? `; last output:\n${output}` : ""}`)
                  }
                  // Whether it still runs is asked while the probe runs, not after it.
                  const [ok, next] = yield* Effect.all([probeOnce(docker, created, service.probe, address), inspect], { concurrency: 2 })
                  if (ok) break
                  if (Date.now() >= deadline) {
                    const output = yield* logTail()
                    return yield* failed(
                      `its readiness probe (${describeProbe(service.probe)}) did not pass within ${Duration.format(start.readyTimeout)}${output.length > 0 ? `; last output:\n${output}` : ""}`
                    )
                  }
                  state = next
                  yield* Effect.sleep(Duration.millis(delay))
                  delay = Math.min(delay * 2, pollCap)
                }
                const url = hostPort === undefined ? undefined : `http://127.0.0.1:${hostPort}`
                yield* request.progress(url === undefined ? `container ${name} running (no ports)` : `ready at ${url} (in the network: http://${service.workload.metadata.name}:${ports[0]})`, service.ref)
                const serviceRecord: ServiceRecord = {
                  ref: service.ref,
                  name: service.name,
                  mode: "run",
                  status: "ready",
                  container: created.id,
                  image,
                  ...(url === undefined ? {} : { port: hostPort!, url }),
                  ...(service.version === undefined ? {} : { version: service.version }),
                  command: [...(command ?? []), ...(args ?? [])],
                  ...recordedConfig(start)
                }
                return { record: serviceRecord, endpoint: endpointOf(service) } satisfies Started
              })
            })
          return session
        }),
      health: (service) =>
        service.container === undefined
          ? Effect.succeed(false)
          : Effect.promise(() => docker.getContainer(service.container!).inspect().then((s) => s.State.Running, () => false)),
      logs: (environment: EnvironmentRecord, service: ServiceRecord, options) =>
        service.container === undefined
          ? Stream.fail(new EnvironmentError({ environment: environment.name, operation: `reading the output of ${service.ref}`, reason: "no container is recorded" }))
          : Stream.unwrap(Effect.gen(function*() {
            const container = docker.getContainer(service.container!)
            const head = yield* api(environment.name, `reading the output of ${service.ref}`, () =>
              container.logs({ stdout: true, stderr: true, tail: options.lines, follow: false }))
            const lines = demux(head as unknown as Buffer).split("\n")
            if (lines.at(-1) === "") lines.pop()
            if (!options.follow) return Stream.fromIterable(lines)
            const since = Math.floor(Date.now() / 1000)
            const live = yield* api(environment.name, `following the output of ${service.ref}`, () =>
              container.logs({ stdout: true, stderr: true, follow: true, since }))
            const more = Stream.fromAsyncIterable(live as unknown as AsyncIterable<Buffer>, (e) =>
              new EnvironmentError({ environment: environment.name, operation: `following the output of ${service.ref}`, reason: message(e) })).pipe(
                Stream.map((chunk) => demux(chunk)),
                Stream.splitLines
              )
            return Stream.concat(Stream.fromIterable(lines), more)
          })),
      owned: (instance) =>
        listOwned(instance === undefined ? { label: [LABEL.instance] } : { label: [`${LABEL.instance}=${instance}`] }),
      remove: (instance) =>
        Effect.gen(function*() {
          const filters = { label: [`${LABEL.instance}=${instance}`] }
          yield* removeOwned(yield* listOwned(filters))
          // A killed `up` may have had a create in flight that the engine finished after the
          // listing; once the network is gone no further one can succeed, so one more pass is all.
          const late = yield* listOwned(filters)
          if (late.length > 0) yield* removeOwned(late)
        })
    }
    return runtime
  })
