/**
 * Property tests: reference parse/format round trips, and the field validators against the
 * regexes Backstage publishes (`KubernetesValidatorFunctions`, `makeValidator`).
 */
import { describe, expect, it } from "@effect/vitest"
import { EntityRef, FieldFormat, Relations } from "@paved/catalog"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"

const published = {
  name: (v: string) => v.length >= 1 && v.length <= 63 && /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(v),
  dnsLabel: (v: string) => v.length >= 1 && v.length <= 63 && /^[a-z0-9]+(?:-+[a-z0-9]+)*$/.test(v),
  tag: (v: string) => v.length >= 1 && v.length <= 63 && /^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$/.test(v)
}

const from = (chars: string, max: number) => fc.string({ unit: fc.constantFrom(...chars.split("")), minLength: 0, maxLength: max })
const nameChars = "abcXYZ019-_. :/#+"
const nameArb = fc.oneof(from(nameChars, 70), fc.string({ maxLength: 70 }))
const validName = fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,20}[A-Za-z0-9])?$/)
const validKind = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,10}$/)
const validNamespace = fc.stringMatching(/^[a-z0-9]{1,5}(-[a-z0-9]{1,5}){0,2}$/)

describe("field formats match Backstage's published regexes", () => {
  it.prop("entity names and label values", [nameArb], ([v]) => {
    expect(FieldFormat.isValidEntityName(v)).toBe(published.name(v))
    expect(FieldFormat.isValidLabelValue(v)).toBe(v === "" || published.name(v))
  }, { fastCheck: { numRuns: 2000 } })
  it.prop("tags", [fc.oneof(from("abz09-:+# A.", 70), fc.string({ maxLength: 70 }))], ([v]) => {
    expect(FieldFormat.isValidTag(v)).toBe(published.tag(v))
  }, { fastCheck: { numRuns: 2000 } })
  it.prop("namespaces", [fc.oneof(from("az09-A.", 70), fc.string({ maxLength: 70 }))], ([v]) => {
    expect(FieldFormat.isValidNamespace(v)).toBe(published.dnsLabel(v))
  }, { fastCheck: { numRuns: 2000 } })
  it.prop("label keys: [dns-subdomain/]name", [fc.tuple(fc.option(from("az09-.", 20)), nameArb)], ([[prefix, name]]) => {
    const key = prefix === null ? name : `${prefix}/${name}`
    const parts = key.split("/")
    const expected = parts.length === 1
      ? published.name(parts[0]!)
      : parts.length === 2 && parts[0]!.length <= 253 && parts[0]!.length >= 1 && parts[0]!.split(".").every(published.dnsLabel) && published.name(parts[1]!)
    expect(FieldFormat.isValidLabelKey(key)).toBe(expected)
  }, { fastCheck: { numRuns: 2000 } })
  it("rejects the examples Backstage's docs reject", () => {
    expect(FieldFormat.isValidEntityName("invalid component")).toBe(false)
    expect(FieldFormat.isValidTag("go 1.15.3")).toBe(false)
    expect(FieldFormat.isValidTag("Go")).toBe(false)
    expect(FieldFormat.isValidEntityName("a".repeat(64))).toBe(false)
    expect(FieldFormat.isValidApiVersion("backstage.io/v1alpha1")).toBe(true)
    expect(FieldFormat.isValidApiVersion("backstage.io/v1/x")).toBe(false)
  })
})

describe("EntityRef", () => {
  it.prop("format then parse is the canonical lowercase form", [validKind, validNamespace, validName], ([kind, namespace, name]) => {
    const ref = EntityRef.make({ kind, namespace, name })
    expect(ref).toBe(`${kind}:${namespace}/${name}`.toLowerCase())
    expect(Either.getOrThrow(EntityRef.parse(ref))).toBe(ref)
    expect(EntityRef.toCompound(ref)).toEqual({ kind: kind.toLowerCase(), namespace: namespace.toLowerCase(), name: name.toLowerCase() })
    expect(EntityRef.equals(`${kind.toUpperCase()}:${namespace}/${name.toUpperCase()}`, ref)).toBe(true)
  })
  it.prop("missing parts come from the field's defaults", [validKind, validNamespace, validName], ([kind, namespace, name]) => {
    expect(Either.getOrThrow(EntityRef.parse(name, { defaultKind: kind, defaultNamespace: namespace }))).toBe(`${kind}:${namespace}/${name}`.toLowerCase())
    expect(Either.getOrThrow(EntityRef.parse(name, { defaultKind: kind }))).toBe(`${kind}:default/${name}`.toLowerCase())
    expect(Either.isLeft(EntityRef.parse(name))).toBe(true)
  })
  it("rejects malformed references with a reason", () => {
    for (const bad of ["", ":x", "component:/x", "component:ns/", "ns/component:x"]) {
      expect(Either.isLeft(EntityRef.parse(bad, { defaultKind: "Group" }))).toBe(true)
    }
  })
  it.prop("the fast reference check agrees with the parser", [fc.stringMatching(/^[a-zA-Z:/]{0,3}[a-z0-9:/-]{0,8}$/)], ([ref]) => {
    const entity = {
      apiVersion: "backstage.io/v1alpha1",
      kind: "Component",
      metadata: { name: "x", namespace: "default" },
      spec: { owner: ref, dependsOn: [ref] }
    }
    const parsedOwner = EntityRef.parse(ref, { defaultKind: "Group" })
    const parsedDependency = EntityRef.parse(ref)
    expect(Relations.hasInvalidRefs(entity)).toBe(Either.isLeft(parsedOwner) || Either.isLeft(parsedDependency))
    expect(Relations.outgoing(entity).invalid.length > 0).toBe(Relations.hasInvalidRefs(entity))
    const attached = Relations.attach([entity])[0]!.relations ?? []
    if (Either.isRight(parsedOwner)) expect(attached).toContainEqual({ type: "ownedBy", targetRef: parsedOwner.right })
  }, { fastCheck: { numRuns: 2000 } })
})
