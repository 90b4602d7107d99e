/**
 * `paved catalog ingest|query|graph|history|facets`: the catalog store from the command line.
 * Every subcommand takes `--db URL` (see `Store.ts`) and `--format json|table`.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Catalog, CatalogStore, Graph, History, Ingest, Query } from "@paved/catalog"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Output from "../Output.js"
import * as Progress from "../Progress.js"
import * as Store from "../Store.js"

const relative = (file: string): string => {
  const rel = path.relative(process.cwd(), file)
  return rel.length > 0 && !rel.startsWith("..") ? rel : file
}
const where = (location: string): string => (location.startsWith("file:") ? relative(location.slice(5)) : location)

const filters = Options.text("filter").pipe(
  Options.withDescription("Backstage filter: key=value,key2=value2 (AND); repeat --filter for OR; a bare key means it exists"),
  Options.repeated
)
const text = Options.text("text").pipe(Options.withDescription("Full-text search over name, title, description and tags"), Options.optional)

/**
 * A ref as given when it names a kind; for a bare name (`storefront`, `default/storefront`), a
 * usage error that suggests the stored entities of that name, as a user expects.
 */
const withKind = (input: string) =>
  Effect.gen(function*() {
    if (input.includes(":")) return input
    const name = input.slice(input.indexOf("/") + 1)
    const filter = /^[A-Za-z0-9._-]+$/.test(name) ? Either.getOrUndefined(Query.parseFilter(`metadata.name=${name}`)) : undefined
    const store = yield* CatalogStore.CatalogStore
    const found = filter === undefined ? [] : (yield* store.query({ filter: [filter], limit: 5 })).items.map((i) => i.ref)
    return yield* new Output.UsageError({
      summary: found.length === 1
        ? `no kind given; did you mean ${found[0]}?`
        : found.length > 1
        ? `no kind given; did you mean one of ${found.join(", ")}?`
        : `no kind given, and no entity named ${name} is in the store; give a ref such as component:default/${name} (paved catalog query --text ${name} searches)`
    })
  })

const parseFilters = (inputs: ReadonlyArray<string>) =>
  Effect.forEach(inputs, (f) => Either.match(Query.parseFilter(f), { onLeft: Effect.fail, onRight: Effect.succeed }))

// ingest ------------------------------------------------------------------------------------

/**
 * How inputs are read, shown in `validate --help` and `ingest --help`.
 *
 * @since 0.2.0
 */
export const discoveryRule =
  "A directory gives every *.yaml and *.yml file below it whose documents are catalog entities " +
  "(an apiVersion of backstage.io/*, scaffolder.backstage.io/*, or one a registered kind declares), " +
  "so org.yaml, all.yaml, template.yaml and systems/*.yaml are read as well as catalog-info.yaml; " +
  "other YAML (Kubernetes manifests, CI workflows, OpenAPI files) is skipped and counted, and " +
  "node_modules, dist and dot-directories (.git, .paved, .github) are not entered. A directory whose " +
  "top-level catalog-info.yaml is a Location is read from that file and its targets. Files and globs " +
  "(quote them: \"services/**/*.yaml\") are read whatever they hold. An input that matches nothing is an error (exit 1)."


const ingestPaths = Args.text({ name: "PATH" }).pipe(
  Args.withDescription(`Catalog files, directories or globs to read; default: the current directory. ${discoveryRule}`),
  Args.repeated
)
const orphans = Options.choice("orphans", ["keep", "delete"]).pipe(
  Options.withDefault("keep" as const),
  Options.withDescription("What to do with entities their file no longer emits: keep them marked as orphans (default) or delete them")
)
const allowEmpty = Options.boolean("allow-empty").pipe(
  Options.withDescription("Go on when an input matches no catalog file, orphaning (or deleting) what the store holds under it; without it such an ingest is refused and changes nothing")
)
const maxOrphans = Options.text("max-orphans").pipe(
  Options.withDefault("50%"),
  Options.withDescription("Refuse, changing nothing, an ingest that would orphan or delete more than this share of the stored entities it reads (default 50%; 100% to confirm a large removal)")
)

/** `50%`, `0.5` or `100%` → a share between 0 and 1. */
const parseShare = (input: string): number | undefined => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(input)
  if (m === null) return undefined
  const n = Number(m[1]) / (m[2] === "%" ? 100 : 1)
  return n >= 0 && n <= 1 ? n : undefined
}

/**
 * `paved catalog ingest [PATH...] [--orphans keep|delete]`: reads the files and reconciles the
 * store with them. Exit 1 when the input has errors (the last known good entities are kept).
 *
 * @since 0.1.0
 */
export const ingest = Command.make(
  "ingest",
  { paths: ingestPaths, orphans, allowEmpty, maxOrphans, db: Store.db, format: Output.format },
  ({ allowEmpty, db, format, maxOrphans, orphans, paths }) => {
    const progress = Progress.make("paved catalog ingest")
    const counts = { files: 0, entities: 0, skipped: 0, writes: 0, unchanged: 0 }
    let started = false
    const summary = () =>
      `${Output.count(counts.files, "file")} read${counts.skipped > 0 ? ` (${counts.skipped} not catalog YAML)` : ""}, ` +
      `${Output.count(counts.entities, "entity", "entities")} validated, ${counts.writes} written, ${counts.unchanged} unchanged`
    // The summary replaces the progress line before anything else is printed.
    const finish = () => {
      if (!started) return
      started = false
      progress.done(summary())
    }
    return Effect.gen(function*() {
      const inputs = paths.length === 0 ? ["."] : paths
      const missing = inputs.filter((p) => !/[*?[]/.test(p) && !fs.existsSync(p))
      if (missing.length > 0) return yield* new Output.UsageError({ summary: `no such file or directory: ${missing.join(", ")}` })
      const share = parseShare(maxOrphans)
      if (share === undefined) return yield* new Output.UsageError({ summary: `--max-orphans ${maxOrphans}: give a share such as 50% (or 0.5), between 0% and 100%` })
      // On a terminal: files read of those known, entities validated, the current file; then the
      // write, and a summary with the time taken. Without a terminal no hook is passed at all.
      started = true
      const loaded = yield* Catalog.load(inputs, progress.active ? {
        onProgress: (p) => {
          Object.assign(counts, { files: p.files, entities: p.entities, skipped: p.skipped })
          progress.total(p.total)
          progress.step(`${Output.count(p.entities, "entity", "entities")} validated · ${relative(p.file)}`)
        }
      } : {})
      // A path or pattern that matches nothing must never empty the catalog under it.
      const unmatched = loaded.problems.filter((p) => p.rule === "input/no-match")
      if (unmatched.length > 0 && !allowEmpty) {
        const summary = `nothing was ingested and the store is unchanged: ${unmatched.map((p) => p.message).join("; ")}. ` +
          "Fix the path or pattern; to empty what the store holds under it on purpose, pass --allow-empty"
        finish()
        if (format === "json") yield* Output.printJson({ refused: true, reason: "input/no-match", message: summary, problems: loaded.problems })
        return yield* new Output.CheckFailed({ summary })
      }
      const roots = inputs.filter((p) => !/[*?[]/.test(p)).map((p) => path.resolve(p))
      const report = yield* Effect.flatMap(CatalogStore.CatalogStore, (store) =>
        store.ingest(loaded, {
          orphans,
          roots,
          maxOrphans: unmatched.length > 0 ? 1 : share,
          ...(progress.active ? {
            onProgress: (p: Ingest.IngestProgress) => {
              Object.assign(counts, { writes: p.writes, unchanged: p.unchanged })
              if (p.phase === "writing") progress.show(`writing ${Output.count(p.writes, "entity", "entities")} (${p.unchanged} unchanged)`)
            }
          } : {})
        })).pipe(
          Effect.catchTag("IngestRefused", (refused: Ingest.IngestRefused) =>
            Effect.zipRight(
              Effect.sync(finish),
              Effect.zipRight(
                format === "json"
                  ? Output.printJson({ refused: true, reason: "max-orphans", message: refused.message, orphaned: refused.orphaned, total: refused.total, refs: refused.refs })
                  : Effect.void,
                Effect.fail(new Output.CheckFailed({ summary: refused.message.replace("raise the limit (maxOrphans)", `pass --max-orphans ${Math.min(100, Math.ceil((refused.orphaned / refused.total) * 100))}%`) }))
              )
            ))
        )
      finish()
      const errors = report.problems.filter((p) => p.severity === "error").length
      if (format === "json") {
        yield* Output.printJson(report)
      } else {
        const rows = [
          ...report.created.map((ref) => ({ change: "created", ref, detail: "" })),
          ...report.updated.map((ref) => ({ change: "updated", ref, detail: "" })),
          ...report.renamed.map((r) => ({ change: "renamed", ref: r.to, detail: `from ${r.from}` })),
          ...report.orphaned.map((ref) => ({ change: "orphaned", ref, detail: "kept, marked as orphan" })),
          ...report.deleted.map((ref) => ({ change: "deleted", ref, detail: "" })),
          ...report.lastKnownGood.map((k) => ({ change: "kept", ref: k.ref, detail: `last known good; ${k.problems[0]?.message ?? "file invalid"}` })),
          ...report.conflicts.map((c) => ({ change: "conflict", ref: c.ref, detail: `kept ${where(c.keptLocation)}, ignored ${where(c.rejectedLocation)}` }))
        ]
        if (rows.length > 0) {
          yield* Output.printTable(rows, [
            { header: "change", cell: (r) => r.change },
            { header: "ref", cell: (r) => r.ref },
            { header: "detail", cell: (r) => r.detail }
          ])
        }
        yield* Console.log(
          `${report.created.length} created, ${report.updated.length} updated, ${report.unchanged} unchanged, ` +
            `${report.orphaned.length} orphaned, ${report.deleted.length} deleted, ${report.renamed.length} renamed, ` +
            `${report.conflicts.length} conflicts, ${report.lastKnownGood.length} kept from invalid files; ` +
            `${report.locations} files, ${errors} errors`
        )
      }
      for (const p of report.problems) {
        yield* Output.diagnostic(`${p.file === undefined ? "" : `${relative(p.file)}:${p.line ?? 1}:${p.column ?? 1}: `}${p.severity}: ${p.message} (${p.rule})`)
      }
      if (errors > 0) return yield* new Output.CheckFailed({ summary: `${errors} errors in the input; previous entities of invalid files were kept` })
    }).pipe(
      Effect.ensuring(Effect.sync(finish)),
      Effect.provide(Store.layer(db))
    )
  }
).pipe(Command.withDescription("Read catalog files into the store: no-op when unchanged, orphans reported, last known good kept"))

const status = (i: CatalogStore.StoredEntity): string => {
  const parts = i.orphan ? ["orphan"] : []
  const first = i.problems.find((p) => p.severity === "error") ?? i.problems[0]
  if (first !== undefined) {
    const message = first.message.length > 60 ? first.message.slice(0, 57) + "..." : first.message
    parts.push(`${first.severity}: ${message}${i.problems.length > 1 ? ` (+${i.problems.length - 1} more)` : ""}`)
  }
  return parts.length === 0 ? "ok" : parts.join("; ")
}

// query -------------------------------------------------------------------------------------

const orderBy = Options.text("order-by").pipe(Options.withDescription("Field to order by, optionally with ,asc or ,desc (default: ref)"), Options.optional)
const limit = Options.integer("limit").pipe(Options.withDescription("Page size (default: every match)"), Options.optional)
const cursor = Options.text("cursor").pipe(Options.withDescription("Continue after the page that returned this nextCursor"), Options.optional)

/**
 * `paved catalog query [--filter F]... [--text T] [--order-by F] [--limit N] [--cursor C]`.
 * JSON: `{"items":[...],"totalItems":N,"nextCursor":...}`.
 *
 * @since 0.1.0
 */
export const query = Command.make(
  "query",
  { filters, text, orderBy, limit, cursor, db: Store.db, format: Output.format },
  (o) =>
    Effect.gen(function*() {
      const filter = yield* parseFilters(o.filters)
      const order = Option.isSome(o.orderBy)
        ? yield* Either.match(Query.parseOrder(o.orderBy.value), { onLeft: Effect.fail, onRight: Effect.succeed })
        : undefined
      const page = yield* CatalogStore.query({
        filter: filter.length === 0 ? undefined : filter,
        text: Option.getOrUndefined(o.text),
        orderBy: order,
        limit: Option.getOrUndefined(o.limit),
        cursor: Option.getOrUndefined(o.cursor)
      })
      if (o.format === "json") return yield* Output.printJson(page)
      yield* Output.printTable(page.items, [
        { header: "ref", cell: (i) => i.ref },
        { header: "type", cell: (i) => (typeof i.entity.spec?.["type"] === "string" ? i.entity.spec["type"] : "") },
        { header: "owner", cell: (i) => i.owner },
        { header: "status", cell: status },
        { header: "location", cell: (i) => `${where(i.location)}${i.line === null ? "" : `:${i.line}`}` }
      ])
      yield* Console.log(`${page.items.length} of ${page.totalItems}${page.nextCursor === null ? "" : `; next page: --cursor ${page.nextCursor}`}`)
    }).pipe(Effect.provide(Store.layer(o.db)))
).pipe(Command.withDescription("Find entities with Backstage-style filters, full text, ordering and cursor paging"))

// facets ------------------------------------------------------------------------------------

/**
 * `paved catalog facets FIELD [--filter F]... [--text T]`: entities per value of a field.
 *
 * @since 0.1.0
 */
export const facets = Command.make(
  "facets",
  { field: Args.text({ name: "FIELD" }).pipe(Args.withDescription("Field such as kind, spec.type, metadata.tags, relations.ownedby")), filters, text, db: Store.db, format: Output.format },
  (o) =>
    Effect.gen(function*() {
      const filter = yield* parseFilters(o.filters)
      const values = yield* CatalogStore.facets(o.field, { filter: filter.length === 0 ? undefined : filter, text: Option.getOrUndefined(o.text) })
      if (o.format === "json") return yield* Output.printJson({ field: o.field, values })
      yield* Output.printTable(values, [{ header: "value", cell: (v) => v.value }, { header: "count", cell: (v) => v.count }])
    }).pipe(Effect.provide(Store.layer(o.db)))
).pipe(Command.withDescription("Count entities per value of a field"))

// history -----------------------------------------------------------------------------------

/**
 * `paved catalog history REF [--limit N]`: the recorded changes of an entity, newest first.
 *
 * @since 0.1.0
 */
export const history = Command.make(
  "history",
  { ref: Args.text({ name: "REF" }).pipe(Args.withDescription("Entity ref, e.g. component:default/cart")), limit, db: Store.db, format: Output.format },
  (o) =>
    Effect.gen(function*() {
      const ref = yield* withKind(o.ref)
      const entries = yield* CatalogStore.historyOf(ref, { limit: Option.getOrUndefined(o.limit) })
      // No history and no entity: the ref is wrong, which an empty table would hide.
      const unknown = entries.length === 0 && Option.isNone(yield* Effect.flatMap(CatalogStore.CatalogStore, (store) => store.get(ref)))
      if (unknown) {
        if (o.format === "json") yield* Output.printJson({ ref, found: false, entries })
        return yield* new Output.CheckFailed({ summary: `no entity ${ref} in the store, and no recorded change of it; check the ref (paved catalog query --text NAME searches)` })
      }
      if (o.format === "json") return yield* Output.printJson({ ref: entries[0]?.ref ?? ref, entries })
      yield* Output.printTable(entries, [
        { header: "at", cell: (h) => h.at },
        { header: "change", cell: (h) => (History.isOwnerChange(h) ? "owner changed" : h.change) },
        { header: "owner", cell: (h) => (History.isOwnerChange(h) ? `${h.ownerBefore ?? "(none)"} -> ${h.ownerAfter ?? "(none)"}` : (h.ownerAfter ?? h.ownerBefore)) },
        { header: "location", cell: (h) => (h.location === null ? "" : where(h.location)) },
        { header: "detail", cell: (h) => h.detail }
      ], `no recorded changes for ${o.ref}`)
    }).pipe(Effect.provide(Store.layer(o.db)))
).pipe(Command.withDescription("Show every recorded change of an entity, owner changes called out"))

// graph -------------------------------------------------------------------------------------

const graphOptions = {
  ref: Args.text({ name: "REF" }).pipe(Args.withDescription("Entity ref to start from (not needed with --cycles)"), Args.optional),
  direction: Options.choice("direction", ["dependencies", "dependents"]).pipe(Options.withDefault("dependencies" as const)),
  depth: Options.integer("depth").pipe(Options.withDescription("Maximum depth (default: unlimited)"), Options.optional),
  relations: Options.text("relation").pipe(Options.withDescription("Relation type to follow (repeatable; default dependsOn)"), Options.repeated),
  pathTo: Options.text("path-to").pipe(Options.withDescription("Print the shortest path from REF to this ref"), Options.optional),
  blastRadius: Options.boolean("blast-radius").pipe(Options.withDescription("Every transitive dependent of REF with its owner")),
  cycles: Options.boolean("cycles").pipe(Options.withDescription("Every dependency cycle in the catalog")),
  db: Store.db,
  format: Output.format
}

/**
 * `paved catalog graph REF [--direction dependencies|dependents] [--depth N] [--relation T]...`,
 * `--path-to REF2`, `--blast-radius`, or `paved catalog graph --cycles`.
 *
 * @since 0.1.0
 */
export const graph = Command.make("graph", graphOptions, (o) =>
  Effect.gen(function*() {
    const relationTypes = o.relations.length === 0 ? undefined : o.relations
    if (o.cycles) {
      const found = yield* Graph.cycles({ relationTypes })
      if (o.format === "json") return yield* Output.printJson({ cycles: found })
      return yield* Output.printTable(found, [
        { header: "size", cell: (c) => c.members.length },
        { header: "loop", cell: (c) => c.loop.join(" -> ") }
      ], "no cycles")
    }
    if (Option.isNone(o.ref)) return yield* new Output.UsageError({ summary: "graph needs a REF (or --cycles)" })
    yield* withKind(o.ref.value)
    const store = yield* CatalogStore.CatalogStore
    const root = yield* store.get(o.ref.value)
    if (Option.isNone(root)) return yield* new Output.UsageError({ summary: `no entity ${o.ref.value} in the store; run paved catalog ingest first` })
    const options = { depth: Option.getOrUndefined(o.depth), relationTypes }
    if (Option.isSome(o.pathTo)) {
      const found = yield* Graph.path(o.ref.value, o.pathTo.value, options)
      if (o.format === "json") return yield* Output.printJson({ from: root.value.ref, to: o.pathTo.value, path: Option.getOrNull(found) })
      if (Option.isNone(found)) return yield* new Output.CheckFailed({ summary: `no path from ${root.value.ref} to ${o.pathTo.value}` })
      return yield* Console.log(found.value.join(" -> "))
    }
    if (o.blastRadius) {
      const blast = yield* Graph.blastRadius(o.ref.value, options)
      if (o.format === "json") return yield* Output.printJson(blast)
      yield* Output.printTable(blast.impacted, [
        { header: "ref", cell: (i) => i.ref },
        { header: "depth", cell: (i) => i.depth },
        { header: "owner", cell: (i) => i.owner ?? "(no owner)" },
        { header: "via", cell: (i) => i.via }
      ], `nothing depends on ${blast.root}`)
      return yield* Console.log(`${blast.impacted.length} affected; owners: ${blast.owners.map((w) => `${w.owner ?? "(no owner)"} (${w.count})`).join(", ") || "none"}`)
    }
    const walk = yield* Graph.traverse(o.ref.value, { ...options, direction: o.direction })
    if (o.format === "json") return yield* Output.printJson(walk)
    yield* Output.printTable(walk.nodes, [
      { header: "ref", cell: (n) => n.ref },
      { header: "depth", cell: (n) => n.depth },
      { header: "via", cell: (n) => `${n.via} (${n.relation})` }
    ], `no ${o.direction} of ${walk.root}`)
  }).pipe(Effect.provide(Store.layer(o.db)))
).pipe(Command.withDescription("Dependencies, dependents, paths, cycles and blast radius from the catalog graph"))

/**
 * The store subcommands of `paved catalog`.
 *
 * @since 0.1.0
 */
export const catalogStoreCommands = [ingest, query, graph, history, facets] as const
