/**
 * Reconciliation: from what the store holds (record heads) and what the loader emitted now, the
 * plan of writes and the report. Pure except for reading previous entity contents on demand.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as path from "node:path"
import type { StoreError } from "./model.js"
import type { Entity } from "../../Entity.js"
import * as EntityRef from "../../EntityRef.js"
import type { Change } from "../../History.js"
import type * as Problem from "../../Problem.js"
import { type Conflict, type IngestInput, type IngestOptions, IngestRefused, type IngestReport, type InputEntity, type KeptEntity, type Rename } from "../../Ingest.js"
import type { HistoryInsert, LocationRecord, Plan, Tx } from "./backend.js"
import {
  canonicalJson, changedPaths, contentHash, type EntityRecord, makeRecord, ownerOf, type RecordHead
} from "./records.js"

interface Emitted {
  readonly ref: EntityRef.EntityRef
  readonly item: InputEntity
  readonly location: string
  readonly json: string
  readonly hash: string
}

interface Source {
  readonly location: string
  readonly file: string
  readonly ok: boolean
}

// Stored on the entity it names, so without its ref.
const toStored = (p: Problem.Problem): Problem.Problem => ({
  severity: p.severity,
  rule: p.rule,
  message: p.message,
  ...(p.file !== undefined ? { file: p.file } : {}),
  ...(p.line !== undefined ? { line: p.line } : {}),
  ...(p.column !== undefined ? { column: p.column } : {}),
  ...(p.path !== undefined ? { path: p.path } : {})
})

const problemRef = (p: Problem.Problem): string | undefined => {
  if (p.ref === undefined) return undefined
  const parsed = EntityRef.parse(p.ref)
  return Either.isRight(parsed) ? parsed.right : p.ref.toLowerCase()
}

const underRoot = (file: string, roots: ReadonlyArray<string>): boolean =>
  roots.some((root) => {
    const r = path.resolve(root)
    return file === r || file.startsWith(r.endsWith(path.sep) ? r : r + path.sep)
  })

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Computes the plan and the report of one ingest inside the transaction `tx`. */
export const reconcile = (
  input: IngestInput,
  options: IngestOptions,
  tx: Tx
): Effect.Effect<{ readonly plan: Plan; readonly report: IngestReport }, StoreError | IngestRefused> =>
  Effect.gen(function*() {
    const now = (options.now ?? new Date()).toISOString()
    const strategy = options.orphans ?? "keep"
    const heads = yield* tx.heads
    const storedLocations = yield* tx.locations
    const headByRef = new Map(heads.map((h) => [h.ref as string, h]))

    // The locations this ingest reconciles: those read now, plus deleted files under the roots.
    const sources = new Map<string, Source>()
    for (const s of input.sources) sources.set(s.location, { location: s.location, file: s.file, ok: s.ok })
    const removedLocations: Array<string> = []
    if (options.roots !== undefined && options.roots.length > 0) {
      const knownLocations = new Map<string, string>(storedLocations.map((l) => [l.location, l.file]))
      for (const h of heads) if (!knownLocations.has(h.location)) knownLocations.set(h.location, h.file)
      for (const [location, file] of knownLocations) {
        if (!sources.has(location) && underRoot(file, options.roots)) {
          sources.set(location, { location, file, ok: true })
          removedLocations.push(location)
        }
      }
    }

    // Everything emitted, in a deterministic order: location, then position in the file.
    const emitted: Array<Emitted> = input.entities.map((item) => {
      const json = canonicalJson(item.entity)
      return { ref: item.ref ?? EntityRef.of(item.entity), item, location: item.location, json, hash: contentHash(json) }
    })
    emitted.sort((a, b) =>
      byString(a.location, b.location) || (a.item.line ?? 0) - (b.item.line ?? 0) || byString(a.ref, b.ref)
    )
    const emittersByRef = new Map<string, Array<Emitted>>()
    for (const e of emitted) {
      const list = emittersByRef.get(e.ref)
      if (list === undefined) emittersByRef.set(e.ref, [e])
      else list.push(e)
    }

    const problemsByFile = new Map<string, Array<Problem.Problem>>()
    for (const p of input.problems) {
      if (p.file === undefined) continue
      const list = problemsByFile.get(p.file)
      if (list === undefined) problemsByFile.set(p.file, [p])
      else list.push(p)
    }
    const problemsOf = (file: string, ref: string, includeFileLevel: boolean): ReadonlyArray<Problem.Problem> =>
      (problemsByFile.get(file) ?? []).filter((p) => {
        const target = problemRef(p)
        return target === ref || (includeFileLevel && target === undefined)
      })

    // Who claims each ref: the first claimant (stored and still claiming) keeps it.
    const conflicts: Array<Conflict> = []
    const winners: Array<Emitted> = []
    for (const [ref, list] of emittersByRef) {
      const head = headByRef.get(ref)
      let winner: Emitted | undefined = list[0]
      let keptLocation = winner!.location
      if (head !== undefined && !head.orphan && head.location !== list[0]!.location) {
        const source = sources.get(head.location)
        const stillClaims = source === undefined || !source.ok || list.some((e) => e.location === head.location)
        if (stillClaims) {
          winner = list.find((e) => e.location === head.location)
          keptLocation = head.location
        }
      }
      for (const e of list) {
        if (e !== winner) conflicts.push({ ref: ref as EntityRef.EntityRef, keptLocation, rejectedLocation: e.location })
      }
      if (winner !== undefined) winners.push(winner)
    }
    const winnerByRef = new Map(winners.map((w) => [w.ref as string, w]))

    // Stored entities of reconciled locations that are not emitted there any more.
    const missingByLocation = new Map<string, Array<RecordHead>>()
    for (const h of heads) {
      const source = sources.get(h.location)
      if (source === undefined) continue
      const w = winnerByRef.get(h.ref)
      if (w !== undefined) continue
      const list = missingByLocation.get(h.location)
      if (list === undefined) missingByLocation.set(h.location, [h])
      else list.push(h)
    }

    // Renames: a valid file stops emitting one entity and starts emitting a new one of the same kind.
    const renames: Array<Rename> = []
    const renamedFrom = new Map<string, RecordHead>()
    const renamedAway = new Set<string>()
    for (const [location, missing] of missingByLocation) {
      if (!sources.get(location)!.ok) continue
      const fresh = winners.filter((w) => w.location === location && !headByRef.has(w.ref))
      const kindOf = (ref: string) => EntityRef.toCompound(ref as EntityRef.EntityRef).kind
      for (const old of [...missing].sort((a, b) => (a.line ?? 0) - (b.line ?? 0))) {
        const match = fresh.find((w) => kindOf(w.ref) === kindOf(old.ref) && !renamedFrom.has(w.ref))
        if (match === undefined) continue
        renamedFrom.set(match.ref, old)
        renamedAway.add(old.ref)
        renames.push({ from: old.ref, to: match.ref, location })
      }
    }

    // Decide, then read the previous contents that the records and history need.
    type Decision =
      | { readonly _tag: "write"; readonly w: Emitted; readonly head: RecordHead | undefined; readonly problems: ReadonlyArray<Problem.Problem> }
      | { readonly _tag: "keep"; readonly head: RecordHead; readonly problems: ReadonlyArray<Problem.Problem> }
      | { readonly _tag: "orphan"; readonly head: RecordHead }
      | { readonly _tag: "delete"; readonly head: RecordHead; readonly renamedTo: string | undefined }
    const decisions: Array<Decision> = []
    let unchanged = 0
    for (const w of winners) {
      const head = headByRef.get(w.ref)
      const problems = problemsOf(w.item.file, w.ref, false)
      if (
        head !== undefined && head.hash === w.hash && head.location === w.location && head.file === w.item.file &&
        head.line === (w.item.line ?? null) && head.column === (w.item.column ?? null) && !head.orphan &&
        head.problemsJson === canonicalJson(problems.map(toStored))
      ) {
        unchanged++
        continue
      }
      decisions.push({ _tag: "write", w, head, problems })
    }
    const lastKnownGood: Array<KeptEntity> = []
    for (const [location, missing] of missingByLocation) {
      const source = sources.get(location)!
      for (const head of missing) {
        if (renamedAway.has(head.ref)) {
          decisions.push({ _tag: "delete", head, renamedTo: renames.find((r) => r.from === head.ref)?.to })
        } else if (!source.ok) {
          const problems = problemsOf(source.file, head.ref, true)
          lastKnownGood.push({ ref: head.ref, location, problems })
          if (head.problemsJson !== canonicalJson(problems.map(toStored))) decisions.push({ _tag: "keep", head, problems })
          else unchanged++
        } else if (strategy === "delete") {
          decisions.push({ _tag: "delete", head, renamedTo: undefined })
        } else if (!head.orphan) {
          decisions.push({ _tag: "orphan", head })
        } else {
          unchanged++
        }
      }
    }
    // The guard against a wrong path or pattern wiping a catalog: checked before anything is read
    // or written, so a refused ingest changes nothing.
    if (options.maxOrphans !== undefined) {
      const lost = decisions.filter((d) => d._tag === "orphan" || (d._tag === "delete" && d.renamedTo === undefined)).map((d) => (d as { head: RecordHead }).head.ref)
      const total = heads.filter((h) => !h.orphan && sources.has(h.location)).length
      if (lost.length > 0 && lost.length > options.maxOrphans * total) {
        return yield* new IngestRefused({ orphaned: lost.length, total, maxOrphans: options.maxOrphans, strategy, refs: [...lost].sort().slice(0, 5) })
      }
    }
    const needOld = new Set<EntityRef.EntityRef>()
    for (const d of decisions) {
      if (d._tag === "write") {
        if (d.head !== undefined && d.head.hash !== d.w.hash) needOld.add(d.head.ref)
        const old = renamedFrom.get(d.w.ref)
        if (old !== undefined) needOld.add(old.ref)
      } else needOld.add(d.head.ref)
    }
    const previous = yield* tx.entities([...needOld])

    const upserts: Array<EntityRecord> = []
    const deletes: Array<EntityRef.EntityRef> = []
    const history: Array<HistoryInsert> = []
    const created: Array<EntityRef.EntityRef> = []
    const updated: Array<EntityRef.EntityRef> = []
    const orphaned: Array<EntityRef.EntityRef> = []
    const deleted: Array<EntityRef.EntityRef> = []
    const record = (
      ref: EntityRef.EntityRef,
      change: Change,
      location: string | null,
      detail: string,
      paths: ReadonlyArray<string>,
      ownerBefore: string | null,
      ownerAfter: string | null
    ) => history.push({ ref, at: now, location, change, detail, paths, ownerBefore, ownerAfter })
    const ownerOfPrevious = (ref: string): string | null => {
      const entity: Entity | undefined = previous.get(ref)
      return entity === undefined ? null : ownerOf(entity)
    }

    for (const d of decisions) {
      if (d._tag === "write") {
        const { w, head } = d
        const entity = w.item.entity
        const hashChanged = head === undefined || head.hash !== w.hash
        const renamed = renamedFrom.get(w.ref)
        const rec = makeRecord({
          ref: w.ref,
          entity,
          entityJson: w.json,
          hash: w.hash,
          location: w.location,
          file: w.item.file,
          line: w.item.line ?? null,
          column: w.item.column ?? null,
          problems: d.problems.map(toStored),
          firstSeen: head?.firstSeen ?? renamed?.firstSeen ?? now,
          lastChanged: head === undefined || hashChanged || head.orphan ? now : head.lastChanged,
          orphan: false
        })
        upserts.push(rec)
        if (head === undefined && renamed !== undefined) {
          const before = previous.get(renamed.ref)
          record(w.ref, "renamed", w.location, `renamed from ${renamed.ref}`, before === undefined ? [] : changedPaths(before, entity), ownerOfPrevious(renamed.ref), rec.owner)
          created.push(w.ref)
        } else if (head === undefined) {
          record(w.ref, "created", w.location, "created", [], null, rec.owner)
          created.push(w.ref)
        } else {
          const before = previous.get(head.ref)
          const ownerBefore = before === undefined ? rec.owner : ownerOf(before)
          if (hashChanged) {
            const paths = before === undefined ? ["(entity)"] : changedPaths(before, entity)
            const ownerNote = ownerBefore !== rec.owner ? `; owner ${ownerBefore ?? "(none)"} -> ${rec.owner ?? "(none)"}` : ""
            record(head.ref, "updated", w.location, `changed ${paths.join(", ")}${ownerNote}`, paths, ownerBefore, rec.owner)
            updated.push(head.ref)
          }
          if (head.location !== w.location) {
            record(head.ref, "moved", w.location, `now emitted by ${w.location} (was ${head.location})`, [], ownerBefore, rec.owner)
            if (!hashChanged) updated.push(head.ref)
          } else if (head.orphan || head.problemsJson.includes("\"severity\":\"error\"")) {
            record(head.ref, "restored", w.location, head.orphan ? "emitted again after being orphaned" : "its file is valid again", [], ownerBefore, rec.owner)
            if (!hashChanged) updated.push(head.ref)
          }
        }
      } else if (d._tag === "keep" || d._tag === "orphan") {
        const entity = previous.get(d.head.ref)
        if (entity === undefined) continue
        const problems = d._tag === "keep" ? d.problems.map(toStored) : (JSON.parse(d.head.problemsJson) as Array<Problem.Problem>)
        const json = canonicalJson(entity)
        upserts.push(makeRecord({
          ref: d.head.ref, entity, entityJson: json, hash: d.head.hash, location: d.head.location, file: d.head.file,
          line: d.head.line, column: d.head.column, problems, firstSeen: d.head.firstSeen,
          lastChanged: d._tag === "orphan" ? now : d.head.lastChanged, orphan: d._tag === "orphan" ? true : d.head.orphan
        }))
        if (d._tag === "keep") {
          const first = d.problems.find((p) => p.severity === "error") ?? d.problems[0]
          record(d.head.ref, "invalid", d.head.location, `kept last known good: ${first?.message ?? "its file is invalid"}`, [], ownerOf(entity), ownerOf(entity))
        } else {
          record(d.head.ref, "orphaned", d.head.location, `no longer emitted by ${d.head.location}; kept marked as orphan`, [], ownerOf(entity), ownerOf(entity))
          orphaned.push(d.head.ref)
        }
      } else {
        deletes.push(d.head.ref)
        const owner = ownerOfPrevious(d.head.ref)
        if (d.renamedTo !== undefined) {
          record(d.head.ref, "renamed", d.head.location, `renamed to ${d.renamedTo}`, [], owner, null)
        } else {
          record(d.head.ref, "deleted", d.head.location, `no longer emitted by ${d.head.location}; deleted`, [], owner, null)
          deleted.push(d.head.ref)
        }
      }
    }

    // Location rows: what each reconciled location holds after this ingest.
    const countByLocation = new Map<string, number>()
    const bump = (location: string) => countByLocation.set(location, (countByLocation.get(location) ?? 0) + 1)
    const deletedSet = new Set<string>(deletes)
    const writtenRefs = new Set<string>(upserts.map((u) => u.ref))
    for (const u of upserts) bump(u.location)
    for (const h of heads) if (!deletedSet.has(h.ref) && !writtenRefs.has(h.ref)) bump(h.location)
    const removed = removedLocations.filter((l) => (countByLocation.get(l) ?? 0) === 0)
    const locations: Array<LocationRecord> = [...sources.values()]
      .filter((s) => !removed.includes(s.location))
      .map((s) => ({
        location: s.location,
        file: s.file,
        ok: s.ok,
        problems: (problemsByFile.get(s.file) ?? []).map(toStored),
        lastIngested: now,
        entityCount: countByLocation.get(s.location) ?? 0
      }))

    const report: IngestReport = {
      created, updated, unchanged, orphaned, deleted, renamed: renames, conflicts, lastKnownGood,
      problems: input.problems, locations: sources.size
    }
    const replaced = upserts.filter((u) => headByRef.has(u.ref)).map((u) => u.ref)
    return { plan: { upserts, deletes, replaced, history, locations, removedLocations: removed }, report }
  })
