import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { Outputs } from "../../Placeholder.js"
import type { Instance, Progress } from "../../Provisioner.js"
import { ProvisionError } from "../../Provisioner.js"

/** One type's provisioner on the local backend. */
export interface TypeProvisioner {
  readonly ensure: (instance: Instance, progress: Progress) => Effect.Effect<Outputs, ProvisionError>
  readonly remove: (instance: Instance, progress: Progress) => Effect.Effect<void, ProvisionError>
  readonly inspect: (instance: Instance) => Effect.Effect<ReadonlyArray<string>, ProvisionError>
}

// Failures worth retrying: the server is starting, busy, or another step holds a lock.
const transientPattern =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|timeout|timed out|too many (clients|connections)|deadlock|lock|being accessed by other users|concurrently|starting up|shutting down|TIMEOUT|socket hang up|not_found.*node|nodedown|unable to connect/i

export const describe = (cause: unknown): string => {
  if (cause instanceof Error) {
    const nested = (cause as { cause?: unknown }).cause
    const inner = nested instanceof Error && nested.message !== cause.message ? `: ${nested.message}` : ""
    return `${cause.message}${inner}`
  }
  return String(cause)
}

export const failure = (instance: Instance, operation: ProvisionError["operation"]) => (cause: unknown): ProvisionError => {
  const detail = describe(cause)
  return new ProvisionError({ resource: instance.key, type: instance.type, operation, detail, transient: transientPattern.test(detail) })
}

/** Runs a promise-returning function as a step of a provisioner, mapping failures. */
export const attempt = <A>(instance: Instance, operation: ProvisionError["operation"], f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: failure(instance, operation) })

/** A connection URL with the password set (for the `url` output). */
export const urlWith = (scheme: string, user: string, password: string, host: string, port: number, path: string): string =>
  `${scheme}://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}${path}`

/** A server address from a URL option, with its default port. */
export const address = (url: string, defaultPort: number) => {
  const u = new URL(url)
  return {
    host: u.hostname === "localhost" ? "127.0.0.1" : u.hostname,
    port: u.port === "" ? defaultPort : Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    path: u.pathname
  }
}

/**
 * The outputs of a database and its user (PostgreSQL, MySQL; the user is the database's name
 * unless given): where it is, its name, and the credentials, the password and URL kept `Redacted`.
 */
export const databaseOutputs = (
  scheme: string,
  server: string,
  defaultPort: number,
  name: string,
  password: string,
  user: string = name
): Outputs => {
  const a = address(server, defaultPort)
  return {
    host: a.host,
    port: String(a.port),
    name,
    database: name,
    username: user,
    password: Redacted.make(password),
    url: Redacted.make(urlWith(scheme, user, password, a.host, a.port, `/${name}`))
  }
}
