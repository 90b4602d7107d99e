/**
 * The consistency check between two environments: services, versions, resource classes, config
 * keys and telemetry settings, one row per thing compared — staging vs production drift in one
 * table. Values that differ by nature (ports, URLs, physical names) are not compared.
 *
 * @since 0.1.0
 */
import type { EnvironmentRecord } from "./Environment.js"

/**
 * One compared thing: the aspect (`service`, `version`, `resource`, `config`, `overlay`,
 * `telemetry`), what it is about, its value in each environment (`undefined` = absent) and
 * whether they agree.
 *
 * @since 0.1.0
 */
export interface Row {
  readonly aspect: "service" | "version" | "resource" | "config" | "overlay" | "telemetry"
  readonly subject: string
  readonly a: string | undefined
  readonly b: string | undefined
  readonly same: boolean
}

/**
 * The comparison of two environments.
 *
 * @since 0.1.0
 */
export interface Diff {
  readonly a: string
  readonly b: string
  readonly rows: ReadonlyArray<Row>
  readonly differences: number
}

const row = (aspect: Row["aspect"], subject: string, a: string | undefined, b: string | undefined): Row => ({
  aspect,
  subject,
  a,
  b,
  same: a === b
})

const keysOf = (...maps: ReadonlyArray<ReadonlyMap<string, unknown>>): ReadonlyArray<string> =>
  [...new Set(maps.flatMap((m) => [...m.keys()]))].sort()

/**
 * Compares two recorded environments.
 *
 * @since 0.1.0
 */
export const compare = (a: EnvironmentRecord, b: EnvironmentRecord): Diff => {
  const rows: Array<Row> = []
  const servicesA = new Map(a.services.map((s) => [s.ref, s]))
  const servicesB = new Map(b.services.map((s) => [s.ref, s]))
  for (const ref of keysOf(servicesA, servicesB)) {
    const sa = servicesA.get(ref)
    const sb = servicesB.get(ref)
    const how = (s: typeof sa) => s === undefined ? undefined : s.mode === "shared" ? `shared from ${s.sharedFrom}` : "runs"
    rows.push(row("service", ref, how(sa), how(sb)))
    if (sa === undefined || sb === undefined) continue
    rows.push(row("version", ref, sa.version ?? "unknown", sb.version ?? "unknown"))
    for (const key of [...new Set([...sa.configKeys, ...sb.configKeys])].sort()) {
      rows.push(row("config", `${ref} ${key}`, sa.configKeys.includes(key) ? "set" : undefined, sb.configKeys.includes(key) ? "set" : undefined))
    }
  }
  const resourcesA = new Map(a.resources.map((r) => [r.key, r]))
  const resourcesB = new Map(b.resources.map((r) => [r.key, r]))
  for (const key of keysOf(resourcesA, resourcesB)) {
    const describe = (r: EnvironmentRecord["resources"][number] | undefined) => {
      if (r === undefined) return undefined
      const version = typeof r.settings.version === "string" ? ` ${r.settings.version}` : ""
      return `${r.type}/${r.class}${version}`
    }
    rows.push(row("resource", key, describe(resourcesA.get(key)), describe(resourcesB.get(key))))
  }
  const overlaysA = new Map(Object.entries(a.overlays))
  const overlaysB = new Map(Object.entries(b.overlays))
  for (const key of keysOf(overlaysA, overlaysB)) rows.push(row("overlay", key, overlaysA.get(key), overlaysB.get(key)))
  rows.push(row("telemetry", "mode", a.telemetry.mode, b.telemetry.mode))
  rows.push(row("telemetry", "exporting", a.telemetry.endpoint === undefined ? "no" : "yes", b.telemetry.endpoint === undefined ? "no" : "yes"))
  return { a: a.name, b: b.name, rows, differences: rows.filter((r) => !r.same).length }
}
