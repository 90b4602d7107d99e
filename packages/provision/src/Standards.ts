/**
 * Organisational standards: per environment type, the defaults a request gets (class, size,
 * version, backups, encryption, deletion protection, TTL for previews), the policies it must
 * pass (allowed classes, regions and versions, mandatory catalog tags) and how resources are
 * named. A policy is an Effect function; `mandatory` violations refuse the plan, `advisory` ones
 * are reported (as Pulumi CrossGuard does).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as PhysicalName from "./PhysicalName.js"
import type { ResourceRequest } from "./Request.js"

/**
 * The environment types standards are written for.
 *
 * @since 0.1.0
 */
export const EnvType = Schema.Literal("development", "preview", "staging", "production")

/**
 * @since 0.1.0
 */
export type EnvType = typeof EnvType.Type

/**
 * The settings the standards decide for a resource. They are what the plan compares.
 *
 * @since 0.1.0
 */
export interface Settings {
  readonly class: string
  readonly size: string
  readonly version: string | undefined
  readonly region: string
  readonly backup: boolean
  readonly encryption: boolean
  readonly deletionProtection: boolean
  readonly multiAz: boolean
  readonly ttlHours: number | undefined
}

/**
 * A request after the standards: its physical name, settings and tags.
 *
 * @since 0.1.0
 */
export interface Desired {
  readonly request: ResourceRequest
  readonly name: string
  readonly settings: Settings
  readonly tags: Readonly<Record<string, string>>
}

/**
 * How strictly a policy is enforced.
 *
 * @since 0.1.0
 */
export type Enforcement = "mandatory" | "advisory"

/**
 * A policy: a name, its enforcement, and a check that returns what is wrong (empty when the
 * resource complies). Messages say what to change.
 *
 * @since 0.1.0
 */
export interface Policy {
  readonly name: string
  readonly enforcement: Enforcement
  readonly description: string
  readonly check: (resource: Desired, context: { readonly env: string; readonly envType: EnvType }) => Effect.Effect<ReadonlyArray<string>>
}

/**
 * A policy that was not met, as the plan reports it.
 *
 * @since 0.1.0
 */
export interface Violation {
  readonly policy: string
  readonly resource: string
  readonly enforcement: Enforcement
  readonly message: string
}

/**
 * Defaults for one environment type. `versions` gives the default engine version per type.
 *
 * @since 0.1.0
 */
export interface Defaults {
  readonly class: string
  readonly size: string
  readonly region: string
  readonly versions: Readonly<Record<string, string>>
  readonly backup: boolean
  readonly encryption: boolean
  readonly deletionProtection: boolean
  readonly multiAz: boolean
  readonly ttlHours: number | undefined
}

/**
 * The standards of one environment type.
 *
 * @since 0.1.0
 */
export interface EnvStandards {
  readonly defaults: Defaults
  readonly policies: ReadonlyArray<Policy>
  /**
   * The physical name of a resource: different for every (environment, key) pair (two
   * environments must never share a database, user or bucket), and valid for every backend.
   * Applies refuse a name another environment's recorded resource already has.
   */
  readonly naming: (env: string, key: string, type: string) => string
}

/**
 * Standards for every environment type.
 *
 * @since 0.1.0
 */
export type Standards = Readonly<Record<EnvType, EnvStandards>>

/**
 * The default naming, `PhysicalName.make`: injective over (environment, key), at most 63
 * characters of `[a-z0-9_]`, valid for PostgreSQL, MariaDB/MySQL, Redis, RabbitMQ, NATS and
 * (with `_` as `-`) S3. Environment `pr-1`, key `web.db` → `paved_pr_1__web__db`; anything
 * that cannot be written back unambiguously gets a hash of the raw pair.
 *
 * @since 0.1.0
 */
export const defaultNaming = (env: string, key: string, _type: string): string => PhysicalName.make(env, key)

/**
 * A policy allowing only the listed classes.
 *
 * @since 0.1.0
 */
export const allowedClasses = (classes: ReadonlyArray<string>, enforcement: Enforcement = "mandatory"): Policy => ({
  name: "allowed-classes",
  enforcement,
  description: `class is one of ${classes.join(", ")}`,
  check: (r) =>
    Effect.succeed(classes.includes(r.settings.class) ? [] : [
      `class "${r.settings.class}" is not allowed here; use one of ${classes.join(", ")}`
    ])
})

/**
 * A policy allowing only the listed regions.
 *
 * @since 0.1.0
 */
export const allowedRegions = (regions: ReadonlyArray<string>, enforcement: Enforcement = "mandatory"): Policy => ({
  name: "allowed-regions",
  enforcement,
  description: `region is one of ${regions.join(", ")}`,
  check: (r) =>
    Effect.succeed(regions.includes(r.settings.region) ? [] : [
      `region "${r.settings.region}" is not allowed; set params.region to one of ${regions.join(", ")}`
    ])
})

/**
 * A policy allowing only the listed engine versions per type (types not listed are free).
 *
 * @since 0.1.0
 */
export const allowedVersions = (
  versions: Readonly<Record<string, ReadonlyArray<string>>>,
  enforcement: Enforcement = "mandatory"
): Policy => ({
  name: "allowed-versions",
  enforcement,
  description: "engine version is a supported one",
  check: (r) => {
    const allowed = versions[r.request.type]
    if (allowed === undefined || r.settings.version === undefined || allowed.includes(r.settings.version)) return Effect.succeed([])
    return Effect.succeed([`${r.request.type} version ${r.settings.version} is not supported; use one of ${allowed.join(", ")}`])
  }
})

/**
 * A policy requiring catalog tags (by default owner, system and cost centre).
 *
 * @since 0.1.0
 */
export const requiredTags = (
  tags: ReadonlyArray<string> = ["owner", "system", "cost-centre"],
  enforcement: Enforcement = "mandatory"
): Policy => ({
  name: "required-tags",
  enforcement,
  description: `tags ${tags.join(", ")} are set`,
  check: (r) => {
    const missing = tags.filter((t) => !r.tags[t])
    return Effect.succeed(missing.length === 0 ? [] : [
      `missing tag(s) ${missing.join(", ")}: set spec.owner/spec.system and the paved.dev/cost-centre ` +
      `annotation on the catalog entity (or paved.dev/* annotations on the workload)`
    ])
  }
})

/**
 * A policy requiring a setting to be on (encryption, backup, deletion protection, multi-AZ).
 *
 * @since 0.1.0
 */
export const requireSetting = (
  setting: "backup" | "encryption" | "deletionProtection" | "multiAz",
  types: ReadonlyArray<string>,
  enforcement: Enforcement = "mandatory"
): Policy => ({
  name: `require-${setting}`,
  enforcement,
  description: `${setting} is on for ${types.join(", ")}`,
  check: (r) =>
    Effect.succeed(!types.includes(r.request.type) || r.settings[setting] ? [] : [
      `${setting} must be on for ${r.request.type}; remove params.${setting}: false`
    ])
})

const versions = { postgres: "16", mysql: "10.11", redis: "7", amqp: "3.13" }
const supportedVersions = { postgres: ["15", "16", "17"], mysql: ["8.0", "10.11", "11.4"] }
const data = ["postgres", "mysql", "s3"]

/**
 * The default standards: small and cheap for development and previews (previews expire after
 * 72 hours), backed-up in staging, and in production encrypted, backed-up, deletion-protected,
 * multi-AZ, tagged with owner/system/cost centre (mandatory) and on supported versions.
 *
 * @since 0.1.0
 */
export const defaultStandards: Standards = {
  development: {
    defaults: {
      class: "default", size: "small", region: "local", versions, backup: false, encryption: false,
      deletionProtection: false, multiAz: false, ttlHours: undefined
    },
    policies: [allowedClasses(["default", "small"], "advisory")],
    naming: defaultNaming
  },
  preview: {
    defaults: {
      class: "default", size: "small", region: "eu-west-1", versions, backup: false, encryption: true,
      deletionProtection: false, multiAz: false, ttlHours: 72
    },
    policies: [allowedClasses(["default", "small"]), requiredTags(["owner"], "advisory")],
    naming: defaultNaming
  },
  staging: {
    defaults: {
      class: "default", size: "medium", region: "eu-west-1", versions, backup: true, encryption: true,
      deletionProtection: false, multiAz: false, ttlHours: undefined
    },
    policies: [
      allowedClasses(["default", "small", "large"]),
      allowedRegions(["eu-west-1", "eu-central-1"]),
      requiredTags(["owner", "system"]),
      requiredTags(["owner", "system", "cost-centre"], "advisory")
    ],
    naming: defaultNaming
  },
  production: {
    defaults: {
      class: "default", size: "large", region: "eu-west-1", versions, backup: true, encryption: true,
      deletionProtection: true, multiAz: true, ttlHours: undefined
    },
    policies: [
      allowedClasses(["default", "large", "ha"]),
      allowedRegions(["eu-west-1", "eu-central-1"]),
      allowedVersions(supportedVersions),
      requiredTags(),
      requireSetting("encryption", data),
      requireSetting("backup", ["postgres", "mysql"]),
      requireSetting("deletionProtection", ["postgres", "mysql"], "advisory")
    ],
    naming: defaultNaming
  }
}

const pick = <A>(params: Readonly<Record<string, unknown>>, key: string, guard: (u: unknown) => u is A): A | undefined =>
  guard(params[key]) ? params[key] as A : undefined
const isString = (u: unknown): u is string => typeof u === "string"
const isBoolean = (u: unknown): u is boolean => typeof u === "boolean"
const isNumber = (u: unknown): u is number => typeof u === "number"

/**
 * Applies the defaults of an environment type to a request. `params` may override a default
 * (`size`, `version`, `region`, `backup`, `encryption`, `deletionProtection`, `multiAz`,
 * `ttlHours`); the policies then decide whether the override is allowed.
 *
 * @since 0.1.0
 */
export const applyDefaults = (standards: EnvStandards, env: string, request: ResourceRequest): Desired => {
  const d = standards.defaults
  const p = request.params
  return {
    request,
    name: standards.naming(env, request.key, request.type),
    tags: request.tags,
    settings: {
      class: request.class ?? d.class,
      size: pick(p, "size", isString) ?? d.size,
      version: pick(p, "version", isString) ?? d.versions[request.type],
      region: pick(p, "region", isString) ?? d.region,
      backup: pick(p, "backup", isBoolean) ?? d.backup,
      encryption: pick(p, "encryption", isBoolean) ?? d.encryption,
      deletionProtection: pick(p, "deletionProtection", isBoolean) ?? d.deletionProtection,
      multiAz: pick(p, "multiAz", isBoolean) ?? d.multiAz,
      ttlHours: pick(p, "ttlHours", isNumber) ?? d.ttlHours
    }
  }
}

/**
 * Runs every policy of the environment type over a resource.
 *
 * @since 0.1.0
 */
export const evaluate = (
  standards: EnvStandards,
  resource: Desired,
  context: { readonly env: string; readonly envType: EnvType }
): Effect.Effect<ReadonlyArray<Violation>> =>
  Effect.forEach(standards.policies, (policy) =>
    policy.check(resource, context).pipe(Effect.map((messages) =>
      messages.map((message): Violation => ({ policy: policy.name, resource: resource.request.key, enforcement: policy.enforcement, message }))
    ))).pipe(Effect.map((all) => all.flat()))
