/**
 * The Pulumi backend: each resource is an inline Pulumi program (one stack per environment and
 * resource) that maps the type to AWS — RDS, ElastiCache, Amazon MQ, SQS, S3 with encryption and
 * a public-access block, EFS, Route 53 — or to Kubernetes (StatefulSet + Service + Secret, PVC,
 * ConfigMap), with the standards applied: tags/labels, encryption, backups, deletion
 * protection (also as Pulumi's `protect`), multi-AZ. It runs through the Automation API
 * (`LocalWorkspace`), which drives the `pulumi` CLI; engine events stream as progress.
 *
 * Pulumi's packages are loaded on first use only, so importing this module is cheap and a test
 * can install `pulumi.runtime.setMocks` before any resource module loads.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Runtime from "effect/Runtime"
import * as fs from "node:fs"
import * as path from "node:path"
import type * as Program from "./internal/pulumi/program.js"
import type { Target } from "./internal/pulumi/program.js"
import * as OptionalDependency from "./OptionalDependency.js"
import { programFor, supported } from "./internal/pulumi/program.js"
import type { Outputs } from "./Placeholder.js"
import type { Instance, Progress, Service as Provisioner } from "./Provisioner.js"
import { ProvisionError } from "./Provisioner.js"

/**
 * The outputs of a resource's Pulumi program, by output name: Pulumi `Input<string>` values
 * (strings, promises or outputs), typed without Pulumi's types.
 *
 * @since 0.2.0
 */
export type ProgramOutputs = Program.ProgramOutputs

/**
 * Options of the Pulumi backend.
 *
 * @since 0.1.0
 */
export interface Options {
  /** What to provision on. Default `aws`. */
  readonly target?: Target
  /** The Pulumi project name. Default `paved`. */
  readonly project?: string
  /** The state backend. Default `file://<dir>/pulumi` (no Pulumi Cloud account needed). */
  readonly backendUrl?: string
  /** Where the file backend lives. Default `.paved`. */
  readonly dir?: string
  /** Encrypts stack secrets. Default `PULUMI_CONFIG_PASSPHRASE`, else the empty passphrase. */
  readonly passphrase?: Redacted.Redacted<string>
  /** The Kubernetes namespace. Default `default`. */
  readonly namespace?: string
}

/**
 * The inline program for one resource, as the Automation API runs it. Exported so the mapping
 * can be tested with `pulumi.runtime.setMocks`.
 *
 * @since 0.1.0
 */
export const program = (instance: Instance, options: Options = {}): () => Promise<ProgramOutputs> =>
  programFor(instance, options.target ?? "aws", options.namespace ?? "default")

/**
 * Whether the `pulumi` CLI is on PATH (the Automation API needs it).
 *
 * @since 0.1.0
 */
export const cliAvailable = (): boolean =>
  (process.env["PATH"] ?? "").split(path.delimiter).some((d) => d !== "" && fs.existsSync(path.join(d, "pulumi")))

/**
 * The parts of a Pulumi Automation API engine event that Paved reads. Declared here, so that
 * Paved's types do not require `@pulumi/pulumi` (an optional dependency); Pulumi's
 * `EngineEvent` is one.
 *
 * @since 0.2.0
 */
export interface EngineEvent {
  readonly resourcePreEvent?: { readonly metadata: StepMetadata } | undefined
  readonly resOutputsEvent?: { readonly metadata: StepMetadata } | undefined
  readonly resOpFailedEvent?: { readonly metadata: { readonly type: string; readonly urn: string } } | undefined
  readonly diagnosticEvent?: { readonly severity: string; readonly message: string } | undefined
}

/**
 * A resource step of an engine event: the operation, the resource type and its URN.
 *
 * @since 0.2.0
 */
export interface StepMetadata {
  readonly op: string
  readonly type: string
  readonly urn: string
}

/**
 * A progress line for a Pulumi engine event: resource steps (`create aws:rds/instance:Instance
 * paved-dev-db`), failures and warnings; `undefined` for the rest.
 *
 * @since 0.1.0
 */
export const describeEvent = (event: EngineEvent): string | undefined => {
  const step = event.resourcePreEvent?.metadata ?? event.resOutputsEvent?.metadata
  if (step !== undefined && step.op !== "same") {
    const name = step.urn.split("::").pop() ?? step.urn
    return `${step.op}${event.resOutputsEvent ? " done" : ""} ${step.type} ${name}`
  }
  if (event.resOpFailedEvent !== undefined) return `failed: ${event.resOpFailedEvent.metadata.type} ${event.resOpFailedEvent.metadata.urn}`
  const d = event.diagnosticEvent
  if (d !== undefined && (d.severity === "error" || d.severity === "warning")) return `${d.severity}: ${d.message.trim()}`
  return undefined
}

const stackName = (i: Instance) => `${i.env}-${i.key}`.replace(/[^A-Za-z0-9_.-]/g, "-")

/**
 * Builds the backend. Operations fail with a clear, non-transient error when the `pulumi` CLI
 * is missing.
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Provisioner => {
  const target = options.target ?? "aws"
  const dir = path.resolve(options.dir ?? ".paved")
  const backendUrl = options.backendUrl ?? `file://${path.join(dir, "pulumi")}`
  const fail = (i: Instance, operation: ProvisionError["operation"]) => (e: unknown) =>
    new ProvisionError({
      resource: i.key,
      type: i.type,
      operation,
      detail: e instanceof Error ? e.message.split("\n").slice(0, 6).join(" ") : String(e),
      transient: /conflict|another update|timeout|throttl|rate exceeded/i.test(String(e))
    })
  const stack = (i: Instance, operation: ProvisionError["operation"]) =>
    Effect.gen(function*() {
      if (!cliAvailable()) {
        return yield* new ProvisionError({
          resource: i.key, type: i.type, operation, transient: false,
          detail: "the pulumi CLI is not on PATH: the Automation API drives it. Install the Pulumi CLI, or use the local backend"
        })
      }
      if (backendUrl.startsWith("file://")) fs.mkdirSync(backendUrl.slice("file://".length), { recursive: true })
      const { LocalWorkspace } = yield* Effect.tryPromise({
        try: () => OptionalDependency.load("@pulumi/pulumi", "the Pulumi backend", () => import("@pulumi/pulumi/automation/index.js")),
        catch: fail(i, operation)
      })
      const project = options.project ?? "paved"
      return yield* Effect.tryPromise({
        try: async () => {
          const s = await LocalWorkspace.createOrSelectStack(
            { stackName: stackName(i), projectName: project, program: programFor(i, target, options.namespace ?? "default") },
            {
              projectSettings: { name: project, runtime: "nodejs", backend: { url: backendUrl } },
              envVars: {
                PULUMI_CONFIG_PASSPHRASE: options.passphrase ? Redacted.value(options.passphrase) : process.env["PULUMI_CONFIG_PASSPHRASE"] ?? "",
                PULUMI_SKIP_UPDATE_CHECK: "true"
              }
            }
          )
          if (target === "aws") await s.setConfig("aws:region", { value: i.settings.region })
          return s
        },
        catch: fail(i, operation)
      })
    })
  // Engine events arrive on Pulumi's callbacks; each becomes a progress line as it happens.
  const events = (progress: Progress) =>
    Effect.map(Effect.runtime<never>(), (runtime) => (event: EngineEvent) => {
      const line = describeEvent(event)
      if (line !== undefined) Runtime.runFork(runtime)(progress(line))
    })
  return {
    backend: `pulumi-${target}`,
    supports: (type) => supported[target].includes(type),
    ensure: (i, progress) =>
      Effect.gen(function*() {
        const s = yield* stack(i, "ensure")
        const onEvent = yield* events(progress)
        const result = yield* Effect.tryPromise({ try: () => s.up({ onEvent }), catch: fail(i, "ensure") })
        const outputs: Record<string, string | Redacted.Redacted<string>> = {}
        for (const [k, v] of Object.entries(result.outputs)) {
          const value = typeof v.value === "string" ? v.value : JSON.stringify(v.value)
          outputs[k] = v.secret ? Redacted.make(value) : value
        }
        return outputs as Outputs
      }),
    remove: (i, progress) =>
      Effect.gen(function*() {
        const s = yield* stack(i, "remove")
        const onEvent = yield* events(progress)
        yield* Effect.tryPromise({ try: () => s.destroy({ onEvent }), catch: fail(i, "remove") })
        yield* Effect.tryPromise({ try: () => s.workspace.removeStack(s.name), catch: fail(i, "remove") })
      }),
    inspect: (i) =>
      Effect.gen(function*() {
        const s = yield* stack(i, "inspect")
        const preview = yield* Effect.tryPromise({ try: () => s.previewRefresh(), catch: fail(i, "inspect") })
        return Object.entries(preview.changeSummary)
          .filter(([op, n]) => op !== "same" && op !== "refresh" && (n ?? 0) > 0)
          .map(([op, n]) => `pulumi refresh would ${op} ${n} resource(s) of stack ${s.name}`)
      })
  }
}
