/**
 * The nine built-in kinds (Component, API, Resource, System, Domain, Group, User, Location,
 * Template): their `apiVersion`s, the `spec` schema of each (required fields exactly as
 * `@backstage/catalog-model` 1.10 requires them) and the spec fields that hold references,
 * with the default kind Backstage's relation processor gives each and the relation they emit.
 *
 * A {@link KindDefinition} is also how users describe custom kinds and spec variants; see
 * {@link module:KindRegistry}.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

const nonEmpty = (field: string) =>
  Schema.String.pipe(Schema.filter((v) => v.length >= 1 || `spec.${field} must not be empty`))

const refList = (field: string) => Schema.Array(nonEmpty(field))

/** Keeps unknown spec fields, as Backstage's JSON schemas do (no `additionalProperties: false`). */
const open = <Fields extends Schema.Struct.Fields>(fields: Fields) =>
  Schema.Struct(fields, Schema.Record({ key: Schema.String, value: Schema.Unknown }))

const Profile = Schema.Struct({
  displayName: Schema.optional(nonEmpty("profile.displayName")),
  email: Schema.optional(nonEmpty("profile.email")),
  picture: Schema.optional(nonEmpty("profile.picture"))
})

/**
 * @since 0.1.0
 */
export const ComponentSpec = open({
  type: nonEmpty("type"),
  lifecycle: nonEmpty("lifecycle"),
  owner: nonEmpty("owner"),
  system: Schema.optional(nonEmpty("system")),
  subcomponentOf: Schema.optional(nonEmpty("subcomponentOf")),
  providesApis: Schema.optional(refList("providesApis")),
  consumesApis: Schema.optional(refList("consumesApis")),
  dependsOn: Schema.optional(refList("dependsOn")),
  dependencyOf: Schema.optional(refList("dependencyOf"))
})

/**
 * @since 0.1.0
 */
export const ApiSpec = open({
  type: nonEmpty("type"),
  lifecycle: nonEmpty("lifecycle"),
  owner: nonEmpty("owner"),
  system: Schema.optional(nonEmpty("system")),
  definition: nonEmpty("definition")
})

/**
 * The `mcp-server` API variant: `remotes` instead of `definition`.
 *
 * @since 0.1.0
 */
export const McpServerApiSpec = open({
  type: Schema.Literal("mcp-server"),
  lifecycle: nonEmpty("lifecycle"),
  owner: nonEmpty("owner"),
  system: Schema.optional(nonEmpty("system")),
  remotes: Schema.Array(Schema.Struct({ type: nonEmpty("remotes.type"), url: nonEmpty("remotes.url") })).pipe(
    Schema.minItems(1, { message: () => "spec.remotes needs at least one remote" })
  )
})

/**
 * @since 0.1.0
 */
export const ResourceSpec = open({
  type: nonEmpty("type"),
  owner: nonEmpty("owner"),
  dependsOn: Schema.optional(refList("dependsOn")),
  dependencyOf: Schema.optional(refList("dependencyOf")),
  system: Schema.optional(nonEmpty("system"))
})

/**
 * @since 0.1.0
 */
export const SystemSpec = open({
  owner: nonEmpty("owner"),
  domain: Schema.optional(nonEmpty("domain")),
  type: Schema.optional(nonEmpty("type"))
})

/**
 * @since 0.1.0
 */
export const DomainSpec = open({
  owner: nonEmpty("owner"),
  subdomainOf: Schema.optional(nonEmpty("subdomainOf")),
  type: Schema.optional(nonEmpty("type"))
})

/**
 * @since 0.1.0
 */
export const GroupSpec = open({
  type: nonEmpty("type"),
  profile: Schema.optional(Profile),
  parent: Schema.optional(nonEmpty("parent")),
  children: refList("children"),
  members: Schema.optional(refList("members"))
})

/**
 * @since 0.1.0
 */
export const UserSpec = open({
  profile: Schema.optional(Profile),
  memberOf: refList("memberOf")
})

/**
 * @since 0.1.0
 */
export const LocationSpec = open({
  type: Schema.optional(nonEmpty("type")),
  target: Schema.optional(nonEmpty("target")),
  targets: Schema.optional(refList("targets")),
  presence: Schema.optional(Schema.Literal("required", "optional"))
})

/**
 * The scaffolder's `Template` (`scaffolder.backstage.io/v1beta3`): a type, steps and optional
 * parameters, output and owner.
 *
 * @since 0.1.0
 */
export const TemplateSpec = open({
  type: nonEmpty("type"),
  owner: Schema.optional(nonEmpty("owner")),
  parameters: Schema.optional(Schema.Union(Schema.Array(Schema.Unknown), Schema.Record({ key: Schema.String, value: Schema.Unknown }))),
  steps: Schema.Array(Schema.Struct({ action: nonEmpty("steps.action") }, Schema.Record({ key: Schema.String, value: Schema.Unknown }))),
  output: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

/**
 * A spec field that holds entity references, and what Backstage makes of it: the relation it
 * emits (its inverse goes on the target), the default kind used when the ref has none, and the
 * kinds a target may have (checked by {@link module:Integrity}).
 *
 * @since 0.1.0
 */
export interface RelationField {
  /** The field under `spec`, e.g. `owner`. */
  readonly field: string
  readonly relation: string
  readonly inverse: string
  readonly defaultKind?: string
  readonly allowedKinds?: ReadonlyArray<string>
}

/**
 * A kind: its name, accepted `apiVersion`s, its `spec` schema, optional spec variants keyed by
 * `spec.type` (e.g. API `mcp-server`), and its reference fields.
 *
 * @since 0.1.0
 */
export interface KindDefinition {
  readonly kind: string
  readonly apiVersions: ReadonlyArray<string>
  readonly spec: Schema.Schema<unknown, unknown>
  readonly variants?: Readonly<Record<string, Schema.Schema<unknown, unknown>>>
  /** Further rules the spec must also satisfy (custom fields registered by users). */
  readonly extensions?: ReadonlyArray<Schema.Schema<unknown, unknown>>
  readonly relations: ReadonlyArray<RelationField>
}

const BACKSTAGE = ["backstage.io/v1alpha1", "backstage.io/v1beta1"] as const

const ownedBy: RelationField = { field: "owner", relation: "ownedBy", inverse: "ownerOf", defaultKind: "Group", allowedKinds: ["Group", "User"] }
const system: RelationField = { field: "system", relation: "partOf", inverse: "hasPart", defaultKind: "System", allowedKinds: ["System"] }
const dependsOn: RelationField = { field: "dependsOn", relation: "dependsOn", inverse: "dependencyOf" }
const dependencyOf: RelationField = { field: "dependencyOf", relation: "dependencyOf", inverse: "dependsOn" }

const spec = <A, I>(schema: Schema.Schema<A, I>) => schema as unknown as Schema.Schema<unknown, unknown>

/**
 * The built-in kinds, in Backstage's definitions.
 *
 * @since 0.1.0
 */
export const builtin: ReadonlyArray<KindDefinition> = [
  {
    kind: "Component",
    apiVersions: BACKSTAGE,
    spec: spec(ComponentSpec),
    relations: [
      ownedBy,
      system,
      { field: "subcomponentOf", relation: "partOf", inverse: "hasPart", defaultKind: "Component", allowedKinds: ["Component"] },
      { field: "providesApis", relation: "providesApi", inverse: "apiProvidedBy", defaultKind: "API", allowedKinds: ["API"] },
      { field: "consumesApis", relation: "consumesApi", inverse: "apiConsumedBy", defaultKind: "API", allowedKinds: ["API"] },
      dependsOn,
      dependencyOf
    ]
  },
  {
    kind: "API",
    apiVersions: BACKSTAGE,
    spec: spec(ApiSpec),
    variants: { "mcp-server": spec(McpServerApiSpec) },
    relations: [ownedBy, system]
  },
  { kind: "Resource", apiVersions: BACKSTAGE, spec: spec(ResourceSpec), relations: [ownedBy, dependsOn, dependencyOf, system] },
  {
    kind: "System",
    apiVersions: BACKSTAGE,
    spec: spec(SystemSpec),
    relations: [ownedBy, { field: "domain", relation: "partOf", inverse: "hasPart", defaultKind: "Domain", allowedKinds: ["Domain"] }]
  },
  {
    kind: "Domain",
    apiVersions: BACKSTAGE,
    spec: spec(DomainSpec),
    relations: [ownedBy, { field: "subdomainOf", relation: "partOf", inverse: "hasPart", defaultKind: "Domain", allowedKinds: ["Domain"] }]
  },
  {
    kind: "Group",
    apiVersions: BACKSTAGE,
    spec: spec(GroupSpec),
    relations: [
      { field: "parent", relation: "childOf", inverse: "parentOf", defaultKind: "Group", allowedKinds: ["Group"] },
      { field: "children", relation: "parentOf", inverse: "childOf", defaultKind: "Group", allowedKinds: ["Group"] },
      { field: "members", relation: "hasMember", inverse: "memberOf", defaultKind: "User", allowedKinds: ["User"] }
    ]
  },
  {
    kind: "User",
    apiVersions: BACKSTAGE,
    spec: spec(UserSpec),
    relations: [{ field: "memberOf", relation: "memberOf", inverse: "hasMember", defaultKind: "Group", allowedKinds: ["Group"] }]
  },
  { kind: "Location", apiVersions: BACKSTAGE, spec: spec(LocationSpec), relations: [] },
  {
    kind: "Template",
    apiVersions: ["scaffolder.backstage.io/v1beta3"],
    spec: spec(TemplateSpec),
    relations: [ownedBy]
  }
]

/**
 * The seven relation pairs; each relation's inverse.
 *
 * @since 0.1.0
 */
export const inverseOf: Readonly<Record<string, string>> = {
  ownedBy: "ownerOf",
  ownerOf: "ownedBy",
  providesApi: "apiProvidedBy",
  apiProvidedBy: "providesApi",
  consumesApi: "apiConsumedBy",
  apiConsumedBy: "consumesApi",
  dependsOn: "dependencyOf",
  dependencyOf: "dependsOn",
  parentOf: "childOf",
  childOf: "parentOf",
  memberOf: "hasMember",
  hasMember: "memberOf",
  partOf: "hasPart",
  hasPart: "partOf"
}
