/**
 * Score placeholders: `${metadata.name}`, `${resources.db.host}`, and `$${...}` for a literal
 * `${...}`. Resource params may refer to other resources, so resolution follows the dependency
 * graph (a DAG); a cycle or an unknown output is a problem at plan time.
 *
 * @since 0.1.0
 */
import * as Redacted from "effect/Redacted"
import type { Problem } from "./Problem.js"
import * as ResourceType from "./ResourceType.js"
import type { Located, Workload } from "./Workload.js"

/**
 * A piece of a string: literal text or a reference (`["resources","db","host"]`).
 *
 * @since 0.1.0
 */
export type Segment =
  | { readonly _tag: "Text"; readonly text: string }
  | { readonly _tag: "Ref"; readonly path: ReadonlyArray<string>; readonly raw: string }

/**
 * Splits a string into text and references. `$${` is an escaped `${`. Returns an error message
 * for an unterminated placeholder.
 *
 * @since 0.1.0
 */
export const parse = (input: string): { readonly segments: ReadonlyArray<Segment>; readonly error?: string } => {
  const segments: Array<Segment> = []
  let text = ""
  let i = 0
  while (i < input.length) {
    if (input.startsWith("$${", i)) {
      text += "${"
      i += 3
    } else if (input.startsWith("$$", i)) {
      text += "$"
      i += 2
    } else if (input.startsWith("${", i)) {
      const end = input.indexOf("}", i + 2)
      if (end < 0) return { segments, error: `unterminated placeholder at offset ${i}: "${input.slice(i)}"` }
      if (text.length > 0) segments.push({ _tag: "Text", text })
      text = ""
      const raw = input.slice(i + 2, end)
      segments.push({ _tag: "Ref", raw, path: splitPath(raw) })
      i = end + 1
    } else {
      text += input[i]
      i += 1
    }
  }
  if (text.length > 0) segments.push({ _tag: "Text", text })
  return { segments }
}

// `a.b.c`, with `\.` for a dot inside a key (Score's escaping rule).
const splitPath = (raw: string): ReadonlyArray<string> => {
  const parts: Array<string> = []
  let current = ""
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === "\\" && raw[i + 1] === ".") {
      current += "."
      i++
    } else if (raw[i] === ".") {
      parts.push(current)
      current = ""
    } else current += raw[i]
  }
  parts.push(current)
  return parts
}

interface Site {
  readonly path: ReadonlyArray<PropertyKey>
  readonly value: string
}

// Every string in the workload where placeholders are interpreted.
const sites = (workload: Workload): ReadonlyArray<Site> => {
  const out: Array<Site> = []
  const walk = (value: unknown, path: ReadonlyArray<PropertyKey>) => {
    if (typeof value === "string") out.push({ path, value })
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]))
    else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k])
    }
  }
  for (const [name, c] of Object.entries(workload.containers)) {
    walk(c.variables ?? {}, ["containers", name, "variables"])
    walk(c.command ?? [], ["containers", name, "command"])
    walk(c.args ?? [], ["containers", name, "args"])
    walk(c["files"] ?? {}, ["containers", name, "files"])
  }
  for (const [name, r] of Object.entries(workload.resources ?? {})) walk(r.params ?? {}, ["resources", name, "params"])
  return out
}

/**
 * Checks every placeholder of a workload: syntax, `metadata.*` keys, resources that exist,
 * outputs the resource's type gives, and no cycle between resource params. Types with no
 * provisioner are reported by the plan (the message depends on the environment type), so a
 * reference to an output of such a resource is not reported twice here.
 *
 * @since 0.1.0
 */
export const check = (located: Located): ReadonlyArray<Problem> => {
  const { workload, file } = located
  const problems: Array<Problem> = []
  const at = (path: ReadonlyArray<PropertyKey>, rule: string, message: string) =>
    problems.push({ severity: "error", file, ...located.positionOf(path), rule, message })
  const resources = workload.resources ?? {}
  const edges = new Map<string, Set<string>>()
  for (const site of sites(workload)) {
    const parsed = parse(site.value)
    if (parsed.error !== undefined) at(site.path, "score/placeholder", parsed.error)
    for (const seg of parsed.segments) {
      if (seg._tag !== "Ref") continue
      const [root, name, output, ...rest] = seg.path
      if (root === "metadata") {
        if (name === undefined || !(name in workload.metadata)) {
          at(site.path, "score/placeholder", `\${${seg.raw}}: metadata has no key "${name ?? ""}"`)
        }
      } else if (root === "resources") {
        const resource = name === undefined ? undefined : resources[name]
        if (name === undefined || resource === undefined) {
          at(site.path, "score/placeholder", `\${${seg.raw}}: no resource named "${name ?? ""}" in this workload`)
          continue
        }
        if (site.path[0] === "resources") {
          const from = String(site.path[1])
          if (!edges.has(from)) edges.set(from, new Set())
          edges.get(from)!.add(name)
        }
        const info = ResourceType.info(resource.type)
        if (info === undefined || info.outputs === undefined) continue
        if (output === undefined) {
          at(site.path, "score/placeholder", `\${${seg.raw}}: name an output of "${name}" (${info.outputs.join(", ")})`)
        } else if (!info.outputs.includes(output) || rest.length > 0) {
          at(
            site.path,
            "score/unknown-output",
            `\${${seg.raw}}: a ${resource.type} resource has no output "${[output, ...rest].join(".")}"; ` +
              `its outputs are ${info.outputs.join(", ")}`
          )
        }
      } else {
        at(site.path, "score/placeholder", `\${${seg.raw}}: placeholders start with "metadata." or "resources."`)
      }
    }
  }
  const cycle = findCycle(edges)
  if (cycle !== undefined) {
    at(["resources", cycle[0]!], "score/cycle", `resource params refer to each other in a cycle: ${cycle.join(" -> ")}`)
  }
  return problems
}

const findCycle = (edges: ReadonlyMap<string, ReadonlySet<string>>): ReadonlyArray<string> | undefined => {
  const state = new Map<string, "visiting" | "done">()
  const stack: Array<string> = []
  const visit = (node: string): ReadonlyArray<string> | undefined => {
    if (state.get(node) === "done") return undefined
    if (state.get(node) === "visiting") return [...stack.slice(stack.indexOf(node)), node]
    state.set(node, "visiting")
    stack.push(node)
    for (const next of [...(edges.get(node) ?? [])].sort()) {
      const found = visit(next)
      if (found) return found
    }
    stack.pop()
    state.set(node, "done")
    return undefined
  }
  for (const node of [...edges.keys()].sort()) {
    const found = visit(node)
    if (found) return found
  }
  return undefined
}

/**
 * The names of the resources a value refers to (`${resources.<name>...}`), sorted.
 *
 * @since 0.1.0
 */
export const resourceRefs = (value: unknown): ReadonlyArray<string> => {
  const refs = new Set<string>()
  const walk = (v: unknown) => {
    if (typeof v === "string") {
      for (const seg of parse(v).segments) {
        if (seg._tag === "Ref" && seg.path[0] === "resources" && seg.path[1] !== undefined) refs.add(seg.path[1])
      }
    } else if (Array.isArray(v)) v.forEach(walk)
    else if (v !== null && typeof v === "object") Object.values(v).forEach(walk)
  }
  walk(value)
  return [...refs].sort()
}

/**
 * Substitutes placeholders in every string of a value (resource params, handed to a backend
 * that needs the actual values). The state store keeps the params as written, with their
 * placeholders, so no secret lands there in clear.
 *
 * @since 0.1.0
 */
export const substituteDeep = (
  value: unknown,
  metadata: Readonly<Record<string, unknown>>,
  outputs: Readonly<Record<string, Outputs>>
): unknown => {
  if (typeof value === "string") {
    const r = substitute(value, metadata, outputs)
    return Redacted.isRedacted(r.value) ? Redacted.value(r.value) : r.value
  }
  if (Array.isArray(value)) return value.map((v) => substituteDeep(v, metadata, outputs))
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteDeep(v, metadata, outputs)]))
  }
  return value
}

/**
 * The order to provision a workload's resources so that each comes after the resources its
 * params refer to (a topological order; names sorted within a level for determinism).
 *
 * @since 0.1.0
 */
export const resourceOrder = (workload: Workload): ReadonlyArray<string> => {
  const resources = workload.resources ?? {}
  const deps = new Map<string, Set<string>>()
  for (const [name, r] of Object.entries(resources)) {
    deps.set(name, new Set(resourceRefs(r.params ?? {}).filter((d) => d in resources)))
  }
  const order: Array<string> = []
  const done = new Set<string>()
  while (done.size < deps.size) {
    const ready = [...deps.entries()].filter(([n, d]) => !done.has(n) && [...d].every((x) => done.has(x) || x === n))
      .map(([n]) => n).sort()
    if (ready.length === 0) break // a cycle; `check` reports it
    for (const n of ready) {
      order.push(n)
      done.add(n)
    }
  }
  return order
}

/**
 * The outputs of one resource: plain strings, or `Redacted` for secrets.
 *
 * @since 0.1.0
 */
export type Outputs = Readonly<Record<string, string | Redacted.Redacted<string>>>

/**
 * A placeholder that could not be resolved when substituting (a resource not provisioned yet).
 *
 * @since 0.1.0
 */
export interface Unresolved {
  readonly placeholder: string
  readonly reason: string
}

/**
 * Substitutes placeholders in one string. The result is `Redacted` when any secret went into
 * it, so a connection URL with a password stays secret.
 *
 * @since 0.1.0
 */
export const substitute = (
  input: string,
  metadata: Readonly<Record<string, unknown>>,
  outputs: Readonly<Record<string, Outputs>>
): { readonly value: string | Redacted.Redacted<string>; readonly unresolved: ReadonlyArray<Unresolved> } => {
  const parsed = parse(input)
  const unresolved: Array<Unresolved> = []
  let secret = false
  let result = ""
  for (const seg of parsed.segments) {
    if (seg._tag === "Text") {
      result += seg.text
      continue
    }
    const [root, name, ...rest] = seg.path
    if (root === "metadata" && name !== undefined) {
      const v = metadata[name]
      if (v === undefined) unresolved.push({ placeholder: seg.raw, reason: `metadata has no "${name}"` })
      else result += typeof v === "string" ? v : JSON.stringify(v)
    } else if (root === "resources" && name !== undefined) {
      const out = outputs[name]
      const key = rest.join(".")
      const v = out?.[key]
      if (v === undefined) {
        unresolved.push({ placeholder: seg.raw, reason: out === undefined ? `resource "${name}" has no outputs yet` : `no output "${key}"` })
      } else if (Redacted.isRedacted(v)) {
        secret = true
        result += Redacted.value(v)
      } else result += v
    } else unresolved.push({ placeholder: seg.raw, reason: "unknown placeholder" })
  }
  return { value: secret ? Redacted.make(result) : result, unresolved }
}
