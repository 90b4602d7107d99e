import { describe, expect, it } from "@effect/vitest"
import { CatalogView, EntityRef, OwnershipHealth } from "@paved/catalog"
import { readEntities } from "./fixtures/scorecards/entities.js"

const before = CatalogView.fromEntities(readEntities("reorg", "before", "catalog-info.yaml"))
const after = CatalogView.fromEntities(readEntities("reorg", "after", "catalog-info.yaml"))
const ref = (s: string) => s as EntityRef.EntityRef

describe("ownership health after a reorg", () => {
  const report = OwnershipHealth.report(after, { previous: before })
  const finding = (name: string) => report.findings.find((f) => f.ref === `component:default/${name}`)

  it("sees that team-a was renamed to team-alpha, which took over most of its members", () => {
    expect(finding("svc-a")).toMatchObject({
      owner: "group:default/team-a",
      problem: "owner-renamed",
      suggestion: { owner: "group:default/team-alpha", reason: "received 2 of 3 former members of group:default/team-a" }
    })
  })

  it("sees that team-b was dissolved, and suggests its former parent group", () => {
    expect(finding("svc-b")).toMatchObject({
      problem: "owner-removed",
      suggestion: { owner: "group:default/platform", reason: "parent group of the removed group:default/team-b" }
    })
  })

  it("tells a typo (never existed) from a removed group, and suggests the closest name", () => {
    expect(finding("svc-c")).toMatchObject({
      owner: "group:default/platfrom",
      problem: "dangling-owner",
      suggestion: { owner: "group:default/platform" }
    })
  })

  it("flags an empty owning group and a missing owner, with the parent and the system's owner as suggestions", () => {
    expect(finding("svc-e")).toMatchObject({ problem: "empty-group", suggestion: { owner: "group:default/platform" } })
    expect(finding("svc-f")).toMatchObject({
      problem: "no-owner",
      suggestion: { owner: "group:default/platform", reason: "owner of its system system:default/core" }
    })
    expect(finding("svc-d")).toBeUndefined()
  })

  it("lists users in no group and groups without a parent, and counts problems", () => {
    expect(report.usersWithoutGroup).toEqual(["user:default/dave"])
    expect(report.groupsWithoutParent).toEqual(["group:default/engineering"])
    expect(report.counts).toEqual({
      "no-owner": 1,
      "dangling-owner": 1,
      "owner-wrong-kind": 0,
      "empty-group": 1,
      "owner-removed": 1,
      "owner-renamed": 1
    })
  })

  it("uses the store's rename record when there is no earlier snapshot", () => {
    const fromHistory = OwnershipHealth.report(after, {
      departures: [
        { ref: ref("group:default/team-a"), renamedTo: ref("group:default/team-alpha"), at: "2026-11-20T10:00:00.000Z" },
        { ref: ref("group:default/team-b") }
      ]
    })
    const svcA = fromHistory.findings.find((f) => f.ref === "component:default/svc-a")
    expect(svcA).toMatchObject({ problem: "owner-renamed", suggestion: { owner: "group:default/team-alpha" } })
    expect(svcA?.message).toMatch(/renamed to group:default\/team-alpha on 2026-11-20/)
    const svcB = fromHistory.findings.find((f) => f.ref === "component:default/svc-b")
    expect(svcB).toMatchObject({ problem: "owner-removed", suggestion: null })
  })

  it("does not trust a recorded rename onto an empty group, and uses the former members the history names", () => {
    const fromHistory = OwnershipHealth.report(after, {
      departures: [
        { ref: ref("group:default/team-b"), renamedTo: ref("group:default/team-empty") },
        { ref: ref("group:default/team-a"), formerMembers: [ref("user:default/alice"), ref("user:default/bob"), ref("user:default/carol")] }
      ]
    })
    expect(fromHistory.findings.find((f) => f.ref === "component:default/svc-b")).toMatchObject({
      problem: "owner-renamed",
      suggestion: { owner: "group:default/platform" }
    })
    expect(fromHistory.findings.find((f) => f.ref === "component:default/svc-a")).toMatchObject({
      problem: "owner-removed",
      suggestion: { owner: "group:default/team-alpha", reason: "received 2 of 3 former members of group:default/team-a" }
    })
  })

  it("without any history a removed group is indistinguishable from a typo: a dangling owner", () => {
    const plain = OwnershipHealth.report(after)
    expect(plain.findings.find((f) => f.ref === "component:default/svc-b")?.problem).toBe("dangling-owner")
  })

  it("never changes the catalog: suggestions only", () => {
    const entities = readEntities("reorg", "after", "catalog-info.yaml")
    const snapshot = JSON.stringify(entities)
    OwnershipHealth.report(CatalogView.fromEntities(entities), { previous: before })
    expect(JSON.stringify(entities)).toBe(snapshot)
  })
})

describe("groups without a parent", () => {
  const group = (name: string, type: string, parent?: string) => ({
    apiVersion: "backstage.io/v1alpha1",
    kind: "Group",
    metadata: { name },
    spec: { type, children: [], ...(parent === undefined ? {} : { parent }) }
  })

  it("does not count the organisation at the root of the tree, only stray teams", () => {
    const view = CatalogView.fromEntities([group("acme", "organization"), group("web", "team", "acme"), group("stray", "team")])
    expect(OwnershipHealth.report(view).groupsWithoutParent).toEqual(["group:default/stray"])
  })
})
