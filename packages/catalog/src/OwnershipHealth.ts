/**
 * Ownership health: the reorg problem. Finds entities with no owner, a dangling owner, an owner
 * of the wrong kind, an empty owning group, or an owning group that was removed or renamed since
 * an earlier snapshot or per the store's history; lists users in no group and groups without a
 * parent. For each affected entity it suggests the likely new owner — a suggestion only; nothing
 * is ever changed.
 *
 * @since 0.1.0
 */
import type { CatalogView } from "./CatalogView.js"
import type { Entity } from "./Entity.js"
import type { EntityRef } from "./EntityRef.js"

/**
 * What is wrong with an entity's ownership.
 *
 * @since 0.1.0
 */
export type Problem =
  | "no-owner"
  | "dangling-owner"
  | "owner-wrong-kind"
  | "empty-group"
  | "owner-removed"
  | "owner-renamed"

/**
 * A likely new owner and why.
 *
 * @since 0.1.0
 */
export interface Suggestion {
  readonly owner: EntityRef
  readonly reason: string
}

/**
 * One entity with an ownership problem.
 *
 * @since 0.1.0
 */
export interface Finding {
  readonly ref: EntityRef
  readonly kind: string
  readonly owner: EntityRef | null
  readonly problem: Problem
  readonly message: string
  readonly suggestion: Suggestion | null
}

/**
 * A group known to have left the catalog (from the store's history): removed, or renamed to
 * another reference.
 *
 * @since 0.1.0
 */
export interface Departure {
  readonly ref: EntityRef
  readonly renamedTo?: EntityRef | undefined
  readonly at?: string | undefined
  /** Users believed to have been members (e.g. whose `memberOf` changed when the group went). */
  readonly formerMembers?: ReadonlyArray<EntityRef> | undefined
}

/**
 * The report.
 *
 * @since 0.1.0
 */
export interface Report {
  readonly findings: ReadonlyArray<Finding>
  readonly usersWithoutGroup: ReadonlyArray<EntityRef>
  readonly groupsWithoutParent: ReadonlyArray<EntityRef>
  readonly counts: Readonly<Record<Problem, number>>
}

const ownedKinds = new Set(["component", "api", "resource", "system", "domain", "template"])

/**
 * Whether an entity of this kind is expected to have an owner.
 *
 * @since 0.1.0
 */
export const isOwnable = (entity: Entity): boolean => ownedKinds.has(entity.kind.toLowerCase())

const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]!
}

const isGroup = (entity: Entity | undefined) => entity !== undefined && entity.kind.toLowerCase() === "group"
const isGroupOrUser = (entity: Entity | undefined) =>
  entity !== undefined && (entity.kind.toLowerCase() === "group" || entity.kind.toLowerCase() === "user")

/**
 * The group that received most of a former group's members, by the memberships of the
 * current snapshot (ties go to the alphabetically first group).
 *
 * @since 0.1.0
 */
export const receivingGroup = (
  formerMembers: ReadonlyArray<EntityRef>,
  catalog: CatalogView,
  exclude: EntityRef
): { readonly group: EntityRef; readonly received: number } | undefined => {
  const counts = new Map<EntityRef, number>()
  for (const user of formerMembers) {
    for (const g of catalog.groupsOf(user)) if (g !== exclude && isGroup(catalog.get(g))) counts.set(g, (counts.get(g) ?? 0) + 1)
  }
  let best: { group: EntityRef; received: number } | undefined
  for (const [group, received] of counts) {
    if (best === undefined || received > best.received || (received === best.received && group < best.group)) best = { group, received }
  }
  return best
}

interface Context {
  readonly catalog: CatalogView
  readonly previous: CatalogView | undefined
  readonly departures: ReadonlyMap<EntityRef, Departure>
}

const departedOwner = (ctx: Context, owner: EntityRef): Pick<Finding, "problem" | "message" | "suggestion"> | undefined => {
  const departure = ctx.departures.get(owner)
  const before = ctx.previous?.get(owner)
  if (departure === undefined && before === undefined) return undefined
  const when = departure?.at === undefined ? "" : ` on ${departure.at}`
  const renamedTo = departure?.renamedTo
  if (renamedTo !== undefined && ctx.catalog.get(renamedTo) !== undefined) {
    if (ctx.catalog.allMembersOf(renamedTo).length > 0) {
      return {
        problem: "owner-renamed",
        message: `Owner ${owner} was renamed to ${renamedTo}${when}; update spec.owner`,
        suggestion: { owner: renamedTo, reason: `${owner} was renamed to it` }
      }
    }
    // A rename onto a group nobody is in is more likely a reorg than a new name: point one
    // level up, where someone will answer.
    const parent = ctx.catalog.parentOf(renamedTo)
    return {
      problem: "owner-renamed",
      message: `Owner ${owner} was recorded as renamed to ${renamedTo}${when}, which has no members`,
      suggestion: parent !== undefined && isGroup(ctx.catalog.get(parent))
        ? { owner: parent, reason: `parent group of ${renamedTo}, the empty group ${owner} was renamed to` }
        : null
    }
  }
  const formerMembers = before !== undefined ? ctx.previous!.membersOf(owner) : (departure?.formerMembers ?? [])
  const receiver = receivingGroup(formerMembers, ctx.catalog, owner)
  if (receiver !== undefined) {
    const isNew = ctx.previous !== undefined && ctx.previous.get(receiver.group) === undefined
    const renamed = isNew && receiver.received * 2 > formerMembers.length
    return {
      problem: renamed ? "owner-renamed" : "owner-removed",
      message: renamed
        ? `Owner ${owner} is gone${when} and the new group ${receiver.group} took over ${receiver.received} of its ${formerMembers.length} members; it looks renamed`
        : `Owner ${owner} was removed${when}; ${receiver.received} of its ${formerMembers.length} members are now in ${receiver.group}`,
      suggestion: { owner: receiver.group, reason: `received ${receiver.received} of ${formerMembers.length} former members of ${owner}` }
    }
  }
  const parent = ctx.previous?.parentOf(owner)
  if (parent !== undefined && isGroup(ctx.catalog.get(parent))) {
    return {
      problem: "owner-removed",
      message: `Owner ${owner} was removed${when}; its members are in no current group`,
      suggestion: { owner: parent, reason: `parent group of the removed ${owner}` }
    }
  }
  return { problem: "owner-removed", message: `Owner ${owner} was removed${when}; choose a new owner`, suggestion: null }
}

const closestGroup = (catalog: CatalogView, groups: ReadonlyArray<EntityRef>, owner: EntityRef): EntityRef | undefined => {
  let best: { ref: EntityRef; d: number } | undefined
  for (const g of groups) {
    const d = distance(g, owner)
    if (d <= 2 && (best === undefined || d < best.d)) best = { ref: g, d }
  }
  return best !== undefined && catalog.get(best.ref) !== undefined ? best.ref : undefined
}

const judge = (ctx: Context, groups: ReadonlyArray<EntityRef>, entity: Entity): Finding | undefined => {
  const { catalog } = ctx
  const ref = catalog.refOf(entity)
  const owner = catalog.ownerOf(entity)
  const base = { ref, kind: entity.kind, owner: owner ?? null }
  if (owner === undefined) {
    const system = catalog.systemOf(entity)
    const systemEntity = system === undefined ? undefined : catalog.get(system)
    const systemOwner = systemEntity === undefined ? undefined : catalog.ownerOf(systemEntity)
    return {
      ...base,
      problem: "no-owner",
      message: "No spec.owner; every entity needs a team that answers for it",
      suggestion: systemOwner !== undefined && isGroupOrUser(catalog.get(systemOwner))
        ? { owner: systemOwner, reason: `owner of its system ${system}` }
        : null
    }
  }
  const found = catalog.get(owner)
  if (found === undefined) {
    const departed = departedOwner(ctx, owner)
    if (departed !== undefined) return { ...base, ...departed }
    const close = closestGroup(catalog, groups, owner)
    return {
      ...base,
      problem: "dangling-owner",
      message: `Owner ${owner} is not in the catalog and never was (as far as history goes); fix the reference`,
      suggestion: close === undefined ? null : { owner: close, reason: `closest existing group name to ${owner}` }
    }
  }
  if (!isGroupOrUser(found)) {
    const theirs = catalog.ownerOf(found)
    return {
      ...base,
      problem: "owner-wrong-kind",
      message: `Owner ${owner} is a ${found.kind}; owners are Groups or Users`,
      suggestion: theirs !== undefined && isGroupOrUser(catalog.get(theirs)) ? { owner: theirs, reason: `owner of ${owner}` } : null
    }
  }
  if (isGroup(found) && catalog.allMembersOf(owner).length === 0) {
    const parent = catalog.parentOf(owner)
    return {
      ...base,
      problem: "empty-group",
      message: `Owner ${owner} has no members; nobody would answer for this entity`,
      suggestion: parent !== undefined && isGroup(catalog.get(parent)) ? { owner: parent, reason: `parent group of ${owner}` } : null
    }
  }
  return undefined
}

/**
 * Builds the report for a snapshot. `previous` is an earlier snapshot (an older checkout, or
 * the store's last known state); `departures` are the groups the store's history recorded as
 * deleted or renamed. Without either, removed groups show as dangling owners.
 *
 * @since 0.1.0
 */
export const report = (
  catalog: CatalogView,
  options: { readonly previous?: CatalogView | undefined; readonly departures?: ReadonlyArray<Departure> | undefined } = {}
): Report => {
  const ctx: Context = { catalog, previous: options.previous, departures: new Map((options.departures ?? []).map((d) => [d.ref, d])) }
  const groups = catalog.entities.filter(isGroup).map(catalog.refOf)
  const findings: Array<Finding> = []
  for (const entity of catalog.entities) {
    if (!isOwnable(entity)) continue
    const finding = judge(ctx, groups, entity)
    if (finding !== undefined) findings.push(finding)
  }
  const usersWithoutGroup = catalog.entities
    .filter((e) => e.kind.toLowerCase() === "user")
    .map(catalog.refOf)
    .filter((u) => catalog.groupsOf(u).every((g) => !isGroup(catalog.get(g))))
  // The organisation itself is the root of the tree: having no parent is what it should do.
  const groupsWithoutParent = groups.filter((g) => {
    if (String(catalog.get(g)?.spec?.type ?? "").toLowerCase() === "organization") return false
    const parent = catalog.parentOf(g)
    return parent === undefined || !isGroup(catalog.get(parent))
  })
  const counts: Record<Problem, number> = {
    "no-owner": 0,
    "dangling-owner": 0,
    "owner-wrong-kind": 0,
    "empty-group": 0,
    "owner-removed": 0,
    "owner-renamed": 0
  }
  for (const f of findings) counts[f.problem]++
  return {
    findings: findings.sort((a, b) => a.ref.localeCompare(b.ref)),
    usersWithoutGroup: usersWithoutGroup.sort(),
    groupsWithoutParent: groupsWithoutParent.sort(),
    counts
  }
}
