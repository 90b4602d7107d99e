/**
 * Where an environment's services run: the one seam between the environment lifecycle (plan,
 * provision, wire, record, tear down) and the thing that runs a service.
 *
 * A runtime opens a session per environment (`open`: everything that must be true before any
 * service starts, such as images present and a network created), makes host addresses reachable
 * from its services (`reach`: resource outputs and the telemetry endpoint point at 127.0.0.1,
 * which inside a container is the container), starts a service with its resolved variables and
 * waits for its readiness probe (`start`; or, for a runtime that knows its services' addresses in
 * advance, `prepare` while the service's dependencies still start, then run), and afterwards answers for what the environment owns:
 * health, logs, and removal (`remove`, for `down`), plus what crashed runs left behind
 * (`leftovers`, for `reap`).
 *
 * Layers: {@link layerLocalProcesses} (process groups on this machine, the default),
 * {@link layerDocker} (containers through the Docker Engine API) and {@link layerKubernetes}
 * (renders and diffs manifests; applying to a cluster is not part of it yet).
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { EnvironmentError, EnvironmentRecord, InvalidSpec, ServiceFailed, ServiceRecord } from "./Environment.js"
import * as Docker from "./internal/runtime/docker.js"
import * as Kubernetes from "./internal/runtime/kubernetes.js"
import * as Local from "./internal/runtime/local.js"
import type { ServiceSpec } from "./internal/workload.js"

/**
 * A service as a runtime sees it: its catalog ref and name, its Score workload (image, command,
 * args, files, volumes, probe, resource limits, ports) and directory.
 *
 * @since 0.2.0
 */
export type Service = ServiceSpec

/**
 * How the other services of the environment reach a service (inside the runtime's network).
 *
 * @since 0.2.0
 */
export interface Endpoint {
  readonly url: string
  readonly host: string
  readonly port: number
}

/**
 * What {@link ServiceRuntime} `open` gets: the environment, the instance id that marks what this
 * run creates, its directory, the services about to run, and the lifecycle's `keep` (whether a
 * resource outlives the scope: a successful detached `up`) and progress reporter.
 *
 * @since 0.2.0
 */
export interface OpenRequest {
  readonly environment: string
  readonly instance: string
  readonly directory: string
  readonly services: ReadonlyArray<Service>
  readonly keep: (exit: Exit.Exit<unknown, unknown>) => boolean
  readonly progress: (detail: string, subject: string) => Effect.Effect<void>
}

/**
 * A service to start: resolved variables (secret ones named in `secrets`), the readiness time.
 *
 * @since 0.2.0
 */
export interface StartRequest {
  readonly service: Service
  readonly variables: Readonly<Record<string, string>>
  readonly secrets: ReadonlySet<string>
  readonly readyTimeout: Duration.Duration
}

/**
 * A started, ready service: what is recorded, and how its peers reach it (none for a worker
 * without ports).
 *
 * @since 0.2.0
 */
export interface Started {
  readonly record: ServiceRecord
  readonly endpoint: Endpoint | undefined
}

/**
 * An environment's session with a runtime, open for the duration of `up`.
 *
 * @since 0.2.0
 */
export interface Session {
  /**
   * Makes addresses on this machine (`127.0.0.1`/`localhost` with a port, as in resource outputs
   * and the telemetry endpoint) reachable from the services, and gives the rewrite to apply to
   * every value that contains one. Anything it starts to do so is owned by the environment.
   */
  readonly reach: (values: ReadonlyArray<string>) => Effect.Effect<(value: string) => string, EnvironmentError, Scope.Scope>
  /** Starts a service and waits for its readiness; stopped when the scope closes unless kept. */
  readonly start: (request: StartRequest) => Effect.Effect<Started, ServiceFailed, Scope.Scope>
  /**
   * Optional, with `prepare`: how the other services will reach a service (`undefined` for one
   * without ports), known before it starts (a container's name on the environment's network).
   * With both, `up` resolves every service's variables at once and prepares every service while
   * the ones it depends on are still starting.
   */
  readonly endpointOf?: ((service: Service) => Endpoint | undefined) | undefined
  /**
   * Optional, with `endpointOf`: does what starting a service needs short of running it (creates
   * its container, copies its files); the effect it returns runs it and waits for its readiness,
   * as `start` does. What it creates goes when the scope closes unless kept.
   */
  readonly prepare?:
    | ((request: StartRequest) => Effect.Effect<Effect.Effect<Started, ServiceFailed, Scope.Scope>, ServiceFailed, Scope.Scope>)
    | undefined
}

/**
 * Something an environment owns in a runtime (a container, network, volume or process group).
 *
 * @since 0.2.0
 */
export interface Owned {
  readonly kind: "container" | "network" | "volume" | "process"
  readonly id: string
  readonly environment: string
  readonly instance: string
}

/**
 * The runtime service.
 *
 * @since 0.2.0
 */
export class ServiceRuntime extends Context.Tag("@paved/envs/ServiceRuntime")<ServiceRuntime, {
  /** `local`, `docker` or `kubernetes`: recorded on the environment, so `down` picks the same runtime. */
  readonly kind: string
  readonly open: (request: OpenRequest) => Effect.Effect<Session, ServiceFailed | InvalidSpec | EnvironmentError, Scope.Scope>
  /** Whether a recorded service is running and answering. */
  readonly health: (service: ServiceRecord, instance: string) => Effect.Effect<boolean>
  /** A service's output: the last `lines` lines, then (with `follow`) new ones as they come. */
  readonly logs: (
    environment: EnvironmentRecord,
    service: ServiceRecord,
    options: { readonly lines: number; readonly follow: boolean }
  ) => Stream.Stream<string, EnvironmentError>
  /** What an environment instance owns in this runtime (all instances when `instance` is undefined). */
  readonly owned: (instance: string | undefined) => Effect.Effect<ReadonlyArray<Owned>, EnvironmentError>
  /**
   * Removes everything an environment instance owns, verified as its own; the record (absent for
   * the leftovers of a run that was never recorded) guides it.
   */
  readonly remove: (instance: string, environment: EnvironmentRecord | undefined) => Effect.Effect<void, EnvironmentError>
}>() {}

/**
 * The local process runtime: each service is a detached process group on this machine running
 * the container's `command` + `args` (or the directory's `npm start` script), with its output in
 * `<service>.log` in the environment's directory, on a free port given as `PORT`.
 *
 * @since 0.2.0
 */
export const makeLocalProcesses: Effect.Effect<ServiceRuntime["Type"]> = Effect.sync(Local.make)

/**
 * @since 0.2.0
 */
export const layerLocalProcesses: Layer.Layer<ServiceRuntime> = Layer.effect(ServiceRuntime, makeLocalProcesses)

/**
 * Options of {@link layerDocker}: the Engine API's address (default `DOCKER_HOST`, else the
 * local socket) and how containers reach this machine (default: detected; see the README).
 *
 * @since 0.2.0
 */
export type DockerOptions = Docker.Options

/**
 * The Docker runtime: each service is a container from its Score `image` (or built from its
 * directory's Dockerfile for `image: .`) on a network per environment, labelled with the
 * environment, instance and service, reachable by its workload name.
 *
 * @since 0.2.0
 */
export const makeDocker = (options: DockerOptions = {}): Effect.Effect<ServiceRuntime["Type"], EnvironmentError> => Docker.make(options)

/**
 * @since 0.2.0
 */
export const layerDocker = (options: DockerOptions = {}): Layer.Layer<ServiceRuntime, EnvironmentError> =>
  Layer.effect(ServiceRuntime, makeDocker(options))

/**
 * The Kubernetes runtime: `render` and `diff` of an environment's manifests (see `Manifests`).
 * Starting services in a cluster is not implemented: `open` fails saying so, and the CLI's
 * `paved env manifests` is the way to a cluster today.
 *
 * @since 0.2.0
 */
export const layerKubernetes = (options: Kubernetes.Options = {}): Layer.Layer<ServiceRuntime> =>
  Layer.succeed(ServiceRuntime, Kubernetes.make(options))

/**
 * The runtime an environment was recorded with (`local` when the record predates runtimes).
 *
 * @since 0.2.0
 */
export const forKind = (kind: string | undefined): Effect.Effect<ServiceRuntime["Type"], EnvironmentError> =>
  kind === "docker" ? makeDocker() : kind === "kubernetes" ? Effect.succeed(Kubernetes.make({})) : makeLocalProcesses

/**
 * The runtime in context when it is of the recorded kind, else one made for that kind.
 *
 * @since 0.2.0
 */
export const forRecord = (record: EnvironmentRecord): Effect.Effect<ServiceRuntime["Type"], EnvironmentError> =>
  Effect.flatMap(Effect.serviceOption(ServiceRuntime), (inContext) =>
    inContext._tag === "Some" && inContext.value.kind === (record.runtime ?? "local") ? Effect.succeed(inContext.value) : forKind(record.runtime))
