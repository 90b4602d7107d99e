/**
 * The rules every organisation starts with: ownership, descriptive metadata, operability
 * annotations and dependency hygiene, plus a default three-level scorecard that uses them.
 *
 * @since 0.1.0
 */
import type { Entity } from "./Entity.js"
import * as Rule from "./Rule.js"

const owned = Rule.kinds("component", "api", "resource", "system", "domain")
const workloads = Rule.kinds("component", "api", "resource")

const annotation = (entity: Entity, key: string): string | undefined => {
  const value = entity.metadata.annotations?.[key]
  return value === undefined || value.trim().length === 0 ? undefined : value
}

const specString = (entity: Entity, key: string): string | undefined => {
  const value = entity.spec?.[key]
  return typeof value === "string" && value.trim().length > 0 ? value : undefined
}

/**
 * `spec.owner` is set.
 *
 * @since 0.1.0
 */
export const hasOwner = Rule.sync({
  id: "has-owner",
  version: 1,
  title: "Has an owner",
  appliesTo: owned,
  check: ({ entity }) =>
    specString(entity, "owner") !== undefined ? Rule.pass() : Rule.fail("Set spec.owner to the group that runs this entity, e.g. group:default/payments")
})

/**
 * The owner exists in the catalog and is a Group or a User.
 *
 * @since 0.1.0
 */
export const ownerExists = Rule.sync({
  id: "owner-exists",
  version: 1,
  title: "Owner exists and is a Group or User",
  appliesTo: owned,
  check: ({ catalog, entity }) => {
    const owner = catalog.ownerOf(entity)
    if (owner === undefined) return Rule.fail("Set spec.owner first; there is no owner to look up")
    const found = catalog.get(owner)
    if (found === undefined) return Rule.fail(`Owner ${owner} is not in the catalog; fix the reference or add the group (see \`paved catalog owners\`)`)
    const kind = found.kind.toLowerCase()
    return kind === "group" || kind === "user"
      ? Rule.pass()
      : Rule.fail(`Owner ${owner} is a ${found.kind}; point spec.owner at a Group or a User`)
  }
})

/**
 * The owning group, or a group below it, has at least one member (a user owner passes).
 *
 * @since 0.1.0
 */
export const ownerHasMembers = Rule.sync({
  id: "owner-has-members",
  version: 1,
  title: "Owning group has members",
  appliesTo: owned,
  check: ({ catalog, entity }) => {
    const owner = catalog.ownerOf(entity)
    const found = owner === undefined ? undefined : catalog.get(owner)
    if (owner === undefined || found === undefined) return Rule.fail("The owner must exist before it can have members")
    if (found.kind.toLowerCase() !== "group") return Rule.pass("owned by a user")
    return catalog.allMembersOf(owner).length > 0
      ? Rule.pass()
      : Rule.fail(`Group ${owner} has no members; add users (spec.memberOf) or move ownership to an active group`)
  }
})

/**
 * `metadata.description` is set.
 *
 * @since 0.1.0
 */
export const hasDescription = Rule.sync({
  id: "has-description",
  version: 1,
  title: "Has a description",
  check: ({ entity }) =>
    (entity.metadata.description ?? "").trim().length > 0 ? Rule.pass() : Rule.fail("Add metadata.description: one sentence on what this is for")
})

/**
 * `spec.lifecycle` is set (components and APIs).
 *
 * @since 0.1.0
 */
export const hasLifecycle = Rule.sync({
  id: "has-lifecycle",
  version: 1,
  title: "Has a lifecycle",
  appliesTo: Rule.kinds("component", "api"),
  check: ({ entity }) =>
    specString(entity, "lifecycle") !== undefined ? Rule.pass() : Rule.fail("Set spec.lifecycle (experimental, production or deprecated)")
})

/**
 * `spec.system` is set.
 *
 * @since 0.1.0
 */
export const hasSystem = Rule.sync({
  id: "has-system",
  version: 1,
  title: "Belongs to a system",
  appliesTo: workloads,
  check: ({ entity }) =>
    specString(entity, "system") !== undefined ? Rule.pass() : Rule.fail("Set spec.system to the system this is part of")
})

/**
 * The `backstage.io/source-location` annotation is set.
 *
 * @since 0.1.0
 */
export const hasSourceLocation = Rule.sync({
  id: "has-source-location",
  version: 1,
  title: "Has a source location",
  appliesTo: workloads,
  check: ({ entity }) =>
    annotation(entity, "backstage.io/source-location") !== undefined
      ? Rule.pass()
      : Rule.fail("Add the annotation backstage.io/source-location: url:https://<repo>/tree/main/")
})

/**
 * The `backstage.io/techdocs-ref` annotation is set.
 *
 * @since 0.1.0
 */
export const hasTechdocs = Rule.sync({
  id: "has-techdocs",
  version: 1,
  title: "Has TechDocs",
  appliesTo: Rule.kinds("component", "api", "system"),
  check: ({ entity }) =>
    annotation(entity, "backstage.io/techdocs-ref") !== undefined
      ? Rule.pass()
      : Rule.fail("Add the annotation backstage.io/techdocs-ref: dir:. and an mkdocs.yml")
})

/**
 * An on-call annotation is set: `pagerduty.com/service-id` or `opsgenie.com/team`.
 *
 * @since 0.1.0
 */
export const hasOnCall = Rule.sync({
  id: "has-on-call",
  version: 1,
  title: "Has on-call",
  appliesTo: Rule.kinds("component"),
  check: ({ entity }) =>
    annotation(entity, "pagerduty.com/service-id") !== undefined || annotation(entity, "opsgenie.com/team") !== undefined
      ? Rule.pass()
      : Rule.fail("Add the annotation pagerduty.com/service-id or opsgenie.com/team so incidents reach someone")
})

/**
 * A runbook link: a `metadata.links` entry of type `runbook` or titled like one.
 *
 * @since 0.1.0
 */
export const hasRunbook = Rule.sync({
  id: "has-runbook",
  version: 1,
  title: "Has a runbook link",
  appliesTo: Rule.kinds("component"),
  check: ({ entity }) =>
    (entity.metadata.links ?? []).some((l) => l.type?.toLowerCase() === "runbook" || /runbook/i.test(l.title ?? ""))
      ? Rule.pass()
      : Rule.fail("Add a metadata.links entry with type: runbook pointing at the runbook")
})

/**
 * Every declared dependency (`spec.dependsOn`) exists in the catalog.
 *
 * @since 0.1.0
 */
export const dependenciesExist = Rule.sync({
  id: "dependencies-exist",
  version: 1,
  title: "Declared dependencies exist",
  appliesTo: workloads,
  check: ({ catalog, entity }) => {
    const missing = catalog.dependenciesOf(entity).filter((ref) => catalog.get(ref) === undefined)
    return missing.length === 0
      ? Rule.pass()
      : Rule.fail(`spec.dependsOn names entities that are not in the catalog: ${missing.join(", ")}; fix or remove them`)
  }
})

/**
 * No declared dependency has `spec.lifecycle: deprecated`.
 *
 * @since 0.1.0
 */
export const noDeprecatedDependency = Rule.sync({
  id: "no-deprecated-dependency",
  version: 1,
  title: "No dependency on a deprecated entity",
  appliesTo: workloads,
  check: ({ catalog, entity }) => {
    const deprecated = catalog.dependenciesOf(entity).filter((ref) => {
      const target = catalog.get(ref)
      return target !== undefined && target.spec?.lifecycle === "deprecated"
    })
    return deprecated.length === 0
      ? Rule.pass()
      : Rule.fail(`Depends on deprecated ${deprecated.join(", ")}; migrate to their replacements`)
  }
})

/**
 * An API has a non-empty `spec.definition`.
 *
 * @since 0.1.0
 */
export const apiHasDefinition = Rule.sync({
  id: "api-has-definition",
  version: 1,
  title: "API has a definition",
  appliesTo: Rule.kinds("api"),
  check: ({ entity }) => {
    const definition = entity.spec?.definition
    const ok = (typeof definition === "string" && definition.trim().length > 0) ||
      (typeof definition === "object" && definition !== null && Object.keys(definition).length > 0)
    return ok ? Rule.pass() : Rule.fail("Set spec.definition (inline, or $text: ./openapi.yaml)")
  }
})

/**
 * Every built-in rule, by id.
 *
 * @since 0.1.0
 */
export const all: ReadonlyArray<Rule.Rule> = [
  hasOwner,
  ownerExists,
  ownerHasMembers,
  hasDescription,
  hasLifecycle,
  hasSystem,
  hasSourceLocation,
  hasTechdocs,
  hasOnCall,
  hasRunbook,
  dependenciesExist,
  noDeprecatedDependency,
  apiHasDefinition
]
