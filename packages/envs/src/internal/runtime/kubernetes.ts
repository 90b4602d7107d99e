/**
 * The Kubernetes runtime: an environment is a namespace of objects rendered by `Manifests`.
 * Rendering and diffing work today; starting services in a cluster (apply, wait for rollout,
 * logs from pods) is not implemented, and `open` says so before anything is created.
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { EnvironmentError, InvalidSpec } from "../../Environment.js"
import type { ServiceRuntime } from "../../ServiceRuntime.js"

/** Options: the namespace (default `paved-<environment>`) and the in-cluster OTLP endpoint. */
export interface Options {
  readonly namespace?: string | undefined
  readonly otelEndpoint?: string | undefined
}

/** The Kubernetes runtime. */
export const make = (_options: Options): ServiceRuntime["Type"] => ({
  kind: "kubernetes",
  open: (request) =>
    Effect.fail(new InvalidSpec({
      reason: `the Kubernetes runtime renders and diffs manifests but does not apply them yet: run \`paved env manifests ${request.environment}\` ` +
        "and apply the YAML with kubectl (or Manifests.pulumiProgram), or bring the environment up with --runtime local or docker"
    })),
  health: () => Effect.succeed(false),
  logs: (environment, service) =>
    Stream.fail(new EnvironmentError({ environment: environment.name, operation: `reading the output of ${service.ref}`, reason: "the Kubernetes runtime does not read pod logs yet; use kubectl logs" })),
  owned: () => Effect.succeed([]),
  remove: () => Effect.void
})
