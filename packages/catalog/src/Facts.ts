/**
 * Facts: measured values about an entity that a rule cannot read from its descriptor (test
 * coverage, open incidents, last deploy). A fact comes from a {@link FactSource} with a
 * time-to-live; a rule that reads a fact which is missing, stale or whose source failed gets an
 * explicit answer saying so, and turns it into an *unknown* result, never a silent fail.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as EntityRefModule from "./EntityRef.js"
import type { EntityRef } from "./EntityRef.js"
import * as Yaml from "./Yaml.js"

/**
 * One observed value and when it was observed (epoch milliseconds).
 *
 * @since 0.1.0
 */
export interface Fact {
  readonly value: unknown
  readonly observedAt: number
}

/**
 * A fact source failed to answer (network, parse, permission). Rules report it as unknown.
 *
 * @since 0.1.0
 */
export class FactSourceError extends Data.TaggedError("FactSourceError")<{
  readonly source: string
  readonly reason: string
}> {
  override get message(): string {
    return `Fact source "${this.source}" failed: ${this.reason}`
  }
}

/**
 * Where facts come from: an id (the `source` in `facts.<source>.<key>`), a time-to-live after
 * which a fact is stale, and a read of one fact of one entity.
 *
 * @since 0.1.0
 */
export interface FactSource {
  readonly id: string
  readonly ttl: Duration.Duration
  readonly read: (ref: EntityRef, key: string) => Effect.Effect<Option.Option<Fact>, FactSourceError>
}

/**
 * What a lookup found: a fresh value, a value older than the source's TTL, nothing, or a
 * failure of the source (including an unknown source id).
 *
 * @since 0.1.0
 */
export type FactLookup =
  | { readonly _tag: "Fresh"; readonly value: unknown; readonly observedAt: number }
  | { readonly _tag: "Stale"; readonly value: unknown; readonly observedAt: number; readonly ttl: Duration.Duration }
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Unavailable"; readonly reason: string }

/**
 * Says in words why a lookup is not a usable value, for an unknown result's message.
 *
 * @since 0.1.0
 */
export const describeLookup = (source: string, key: string, lookup: FactLookup): string => {
  switch (lookup._tag) {
    case "Fresh":
      return `fact ${source}.${key} is ${JSON.stringify(lookup.value)}`
    case "Stale":
      return `fact ${source}.${key} is stale: observed ${new Date(lookup.observedAt).toISOString()}, older than its TTL of ${Duration.format(lookup.ttl)}; refresh the "${source}" source`
    case "Missing":
      return `fact ${source}.${key} is missing; the "${source}" source has not reported it for this entity`
    case "Unavailable":
      return `fact ${source}.${key} is unavailable: ${lookup.reason}`
  }
}

/**
 * The facts service: looks one fact up across the registered sources, judging freshness
 * against the `Clock` (so tests can move time with `TestClock`).
 *
 * @since 0.1.0
 */
export class Facts extends Context.Tag("@paved/catalog/Facts")<Facts, {
  readonly sources: ReadonlyArray<string>
  readonly lookup: (source: string, ref: EntityRef, key: string) => Effect.Effect<FactLookup>
}>() {}

/**
 * Builds the facts service over a list of sources.
 *
 * @since 0.1.0
 */
export const make = (sources: ReadonlyArray<FactSource>): Facts["Type"] => {
  const byId = new Map(sources.map((s) => [s.id, s]))
  return {
    sources: sources.map((s) => s.id),
    lookup: (sourceId, ref, key) => {
      const source = byId.get(sourceId)
      if (source === undefined) {
        const known = byId.size === 0 ? "no fact sources are configured" : `known sources: ${[...byId.keys()].join(", ")}`
        return Effect.succeed({ _tag: "Unavailable", reason: `no fact source "${sourceId}" (${known})` })
      }
      return source.read(ref, key).pipe(
        Effect.flatMap((found) =>
          Option.match(found, {
            onNone: () => Effect.succeed<FactLookup>({ _tag: "Missing" }),
            onSome: (fact) =>
              Clock.currentTimeMillis.pipe(Effect.map((now): FactLookup =>
                now - fact.observedAt > Duration.toMillis(source.ttl)
                  ? { _tag: "Stale", value: fact.value, observedAt: fact.observedAt, ttl: source.ttl }
                  : { _tag: "Fresh", value: fact.value, observedAt: fact.observedAt }
              ))
          })
        ),
        Effect.catchAll((error) => Effect.succeed<FactLookup>({ _tag: "Unavailable", reason: error.reason }))
      )
    }
  }
}

/**
 * A layer with the given sources.
 *
 * @since 0.1.0
 */
export const layer = (sources: ReadonlyArray<FactSource>): Layer.Layer<Facts> => Layer.succeed(Facts, make(sources))

/**
 * A layer with no sources: every fact lookup is unavailable, so fact rules are unknown.
 *
 * @since 0.1.0
 */
export const layerEmpty: Layer.Layer<Facts> = layer([])

/**
 * One recorded fact of one entity, as kept in memory or read from a facts file.
 *
 * @since 0.1.0
 */
export interface FactRecord {
  readonly ref: EntityRef
  readonly key: string
  readonly value: unknown
  readonly observedAt: number
}

/**
 * A source over recorded facts (a facts file, a nightly export, a test). The latest record of
 * an (entity, key) pair wins.
 *
 * @since 0.1.0
 */
export const fromRecords = (
  id: string,
  ttl: Duration.DurationInput,
  records: ReadonlyArray<FactRecord>
): FactSource => {
  const table = new Map<string, Fact>()
  for (const r of records) {
    const k = `${r.ref}\u0000${r.key}`
    const previous = table.get(k)
    if (previous === undefined || previous.observedAt <= r.observedAt) table.set(k, { value: r.value, observedAt: r.observedAt })
  }
  return {
    id,
    ttl: Duration.decode(ttl),
    read: (ref, key) => Effect.succeed(Option.fromNullable(table.get(`${ref}\u0000${key}`)))
  }
}

const FactsFile = Schema.Struct({
  sources: Schema.Array(Schema.Struct({
    id: Schema.NonEmptyString,
    ttl: Schema.String.pipe(Schema.pattern(/^\d+(\.\d+)? (nanos|micros|millis|seconds|minutes|hours|days|weeks)$/, {
      message: () => "a time-to-live like \"7 days\" or \"12 hours\""
    })),
    facts: Schema.Array(Schema.Struct({
      entity: Schema.String.pipe(Schema.filter((s) =>
        Either.isRight(EntityRefModule.parse(s, { defaultKind: "Component" })) || "an entity reference (kind:namespace/name)"
      )),
      key: Schema.NonEmptyString,
      value: Schema.Unknown,
      observedAt: Schema.String.pipe(Schema.filter((s) => !Number.isNaN(Date.parse(s)) || "an ISO-8601 time, e.g. 2026-11-20T08:00:00Z"))
    }))
  }))
})

/**
 * A facts file that cannot be used; each issue has its line and column.
 *
 * @since 0.1.0
 */
export class FactsFileError extends Data.TaggedError("FactsFileError")<{
  readonly file: string
  readonly issues: ReadonlyArray<{ readonly path: string; readonly line: number; readonly column: number; readonly message: string }>
}> {
  override get message(): string {
    return this.issues.map((i) => `${this.file}:${i.line}:${i.column} ${i.path === "" ? "" : i.path + ": "}${i.message}`).join("\n")
  }
}

/**
 * Parses a facts file (YAML or JSON): `sources: [{ id, ttl: "7 days", facts: [{ entity, key,
 * value, observedAt }] }]`, one recorded source per entry — how a nightly export or a CI job
 * hands facts to `paved score --facts FILE`.
 *
 * @since 0.1.0
 */
export const parseFactsFile = (text: string, file = "<facts>"): Either.Either<ReadonlyArray<FactSource>, FactsFileError> =>
  Either.match(Yaml.decode(FactsFile, text, { file }), {
    onLeft: (problems) => Either.left(new FactsFileError({ file, issues: problems.map(Yaml.issueOf) })),
    onRight: (decoded) =>
      Either.right(decoded.sources.map((source) =>
        fromRecords(
          source.id,
          source.ttl as Duration.DurationInput,
          source.facts.map((f) => ({
            ref: Either.getOrElse(EntityRefModule.parse(f.entity, { defaultKind: "Component" }), () => f.entity as EntityRef),
            key: f.key,
            value: f.value,
            observedAt: Date.parse(f.observedAt)
          }))
        )
      ))
  })
