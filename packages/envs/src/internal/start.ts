/**
 * What a service is given, whatever runs it: variables with placeholders resolved against
 * resource outputs, other services' endpoints and overlays; and the plain (recordable) outputs.
 */
import type * as Provisioner from "@paved/provision/Provisioner"
import * as Placeholder from "@paved/provision/Placeholder"
import * as ResourceType from "@paved/provision/ResourceType"
import * as ServiceTypes from "@paved/provision/ServiceTypes"
import type * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { ServiceSpec } from "./workload.js"

/** The URL and port of a service other services may reach. */
export interface Endpoint {
  readonly url: string
  readonly host: string
  readonly port: number
}

/** What resolving a service's variables needs from the environment. */
export interface StartContext {
  readonly environment: string
  readonly overlays: Readonly<Record<string, string>>
  readonly outputs: ReadonlyMap<string, Readonly<Record<string, Placeholder.Outputs>>>
  readonly endpoints: ReadonlyMap<string, Endpoint>
  readonly progress: (detail: string, subject: string) => Effect.Effect<void>
}

/** The resolved variables of a service: plain values, and the names of the secret ones. */
export const resolveVariables = (
  service: ServiceSpec,
  context: Pick<StartContext, "outputs" | "endpoints" | "overlays" | "environment">
): { readonly values: Record<string, string>; readonly secrets: ReadonlySet<string>; readonly problems: ReadonlyArray<string> } => {
  const outputs: Record<string, Placeholder.Outputs> = { ...(context.outputs.get(service.ref) ?? {}) }
  // Score's networking types, as `ServiceTypes` defines them (the plan of `provision` agrees).
  for (const [resource, r] of Object.entries(service.resolved)) {
    const to = r.target === undefined ? undefined : context.endpoints.get(r.target)
    const resolved = ServiceTypes.outputs(r.type, { env: context.environment, key: r.key, ...(r.target === undefined ? {} : { target: r.target }), ...(to === undefined ? {} : { to }) })
    if (resolved !== undefined) outputs[resource] = resolved
  }
  const metadata = { ...service.workload.metadata, environment: context.environment }
  const values: Record<string, string> = {}
  const secrets = new Set<string>()
  const problems: Array<string> = []
  for (const [key, raw] of Object.entries(service.variables)) {
    const { unresolved, value } = Placeholder.substitute(raw, metadata, outputs)
    for (const u of unresolved) problems.push(`${key}: \${${u.placeholder}}: ${u.reason}`)
    if (Redacted.isRedacted(value)) {
      secrets.add(key)
      values[key] = Redacted.value(value)
    } else values[key] = value
  }
  for (const [key, value] of Object.entries(context.overlays)) values[key] = value
  return { values, secrets, problems }
}

/** Non-secret outputs of a resource, for the record. */
export const plainOutputs = (type: string, outputs: Placeholder.Outputs): Record<string, string> => {
  const plain: Record<string, string> = {}
  for (const [key, value] of Object.entries(outputs)) {
    if (!Redacted.isRedacted(value) && !ResourceType.isSecret(type, key)) plain[key] = value
  }
  return plain
}

/** The provisioner's progress callback, forwarded to the environment's progress. */
export const provisionProgress = (
  progress: StartContext["progress"],
  subject: string
): Provisioner.Progress => (message) => progress(message, subject)
