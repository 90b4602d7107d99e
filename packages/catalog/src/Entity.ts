/**
 * The Backstage entity envelope: `apiVersion`, `kind`, `metadata`, `spec`, `relations`.
 *
 * This module holds the shape every Paved package reads, with exactly the field formats of
 * Backstage's default policies (`FieldFormatEntityPolicy`, `SchemaValidEntityPolicy`):
 * entity names, namespaces, label and annotation keys and values, tags and links. The types are
 * plain strings; the rules live in the schemas' refinements. Kind-specific `spec` rules live in
 * {@link module:Kinds}; here `spec` is open.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { EntityRef } from "./EntityRef.js"
import * as FieldFormat from "./FieldFormat.js"

const refined = (predicate: (value: string) => boolean, message: (value: string) => string) =>
  Schema.String.pipe(Schema.filter((value) => predicate(value) || message(value)))

const nonEmpty = (what: string) => refined(FieldFormat.isNonEmptyString, () => `${what} must not be empty; remove the field or give it a value`)

/**
 * `metadata.name`: sequences of `[a-zA-Z0-9]` separated by `[-_.]`, at most 63 characters.
 *
 * @since 0.1.0
 */
export const EntityName = refined(
  FieldFormat.isValidEntityName,
  (v) => `"${v}" is not a valid entity name: use sequences of [a-zA-Z0-9] separated by any of [-_.], at most 63 characters in total (e.g. "${suggestName(v)}")`
)

/**
 * `metadata.namespace`: a DNS label (`[a-z0-9]` groups separated by `-`, at most 63).
 *
 * @since 0.1.0
 */
export const Namespace = refined(
  FieldFormat.isValidNamespace,
  (v) => `"${v}" is not a valid namespace: use sequences of [a-z0-9] separated by [-], at most 63 characters in total`
)

/**
 * `apiVersion`: `[dns-subdomain/]version`.
 *
 * @since 0.1.0
 */
export const ApiVersion = refined(
  FieldFormat.isValidApiVersion,
  (v) => `"${v}" is not a valid apiVersion: write it as group/version, e.g. "backstage.io/v1alpha1"`
)

/**
 * `kind`: a letter, then letters and digits, at most 63 characters.
 *
 * @since 0.1.0
 */
export const Kind = refined(
  FieldFormat.isValidKind,
  (v) => `"${v}" is not a valid kind: use a letter followed by letters and digits, e.g. "Component"`
)

/**
 * A label or annotation key: `[dns-subdomain/]name`.
 *
 * @since 0.1.0
 */
export const LabelKey = refined(
  FieldFormat.isValidLabelKey,
  (v) => `"${v}" is not a valid key: write it as an optional DNS prefix and a name, e.g. "example.com/owner-team" (name: [a-zA-Z0-9] sequences separated by [-_.], at most 63)`
)

/**
 * A label value: empty, or an object name.
 *
 * @since 0.1.0
 */
export const LabelValue = refined(
  FieldFormat.isValidLabelValue,
  (v) => `"${v}" is not a valid label value: use sequences of [a-zA-Z0-9] separated by any of [-_.], at most 63 characters (put free text in an annotation instead)`
)

/**
 * A tag: `[a-z0-9:+#]` sequences separated by `-`, at most 63 characters.
 *
 * @since 0.1.0
 */
export const Tag = refined(
  FieldFormat.isValidTag,
  (v) => `"${v}" is not a valid tag: use sequences of [a-z0-9:+#] separated by [-], at most 63 characters in total (e.g. "${suggestTag(v)}")`
)

/**
 * A link in `metadata.links`: a URL and optional non-empty title, icon and type.
 *
 * @since 0.1.0
 */
export const EntityLink = Schema.Struct({
  url: refined(FieldFormat.isValidUrl, (v) => `"${v}" is not a valid URL: write an absolute URL such as "https://example.com/docs"`),
  title: Schema.optional(nonEmpty("a link title")),
  icon: Schema.optional(nonEmpty("a link icon")),
  type: Schema.optional(nonEmpty("a link type"))
})

/**
 * @since 0.1.0
 */
export type EntityLink = typeof EntityLink.Type

/**
 * `metadata`: name, namespace, title, description, labels, annotations, tags, links, plus any
 * further keys Backstage allows (`uid`, `etag`, user fields).
 *
 * @since 0.1.0
 */
export const EntityMeta = Schema.Struct(
  {
    name: EntityName,
    namespace: Schema.optional(Namespace),
    uid: Schema.optional(nonEmpty("metadata.uid")),
    etag: Schema.optional(nonEmpty("metadata.etag")),
    title: Schema.optional(nonEmpty("metadata.title")),
    description: Schema.optional(Schema.String),
    labels: Schema.optional(Schema.Record({ key: LabelKey, value: LabelValue })),
    annotations: Schema.optional(Schema.Record({ key: LabelKey, value: Schema.String })),
    tags: Schema.optional(Schema.Array(Tag)),
    links: Schema.optional(Schema.Array(EntityLink))
  },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)

/**
 * @since 0.1.0
 */
export type EntityMeta = typeof EntityMeta.Type

/**
 * A computed relation: its type (`ownedBy`, `dependsOn`, ...) and the canonical target ref.
 *
 * @since 0.1.0
 */
export const EntityRelation = Schema.Struct({
  type: Schema.String,
  targetRef: EntityRef
})

/**
 * @since 0.1.0
 */
export type EntityRelation = typeof EntityRelation.Type

/**
 * An entity as stored and passed between packages. `spec` is open here; the kind schemas narrow
 * it. `relations` are computed by the catalog, never read from files.
 *
 * @since 0.1.0
 */
export const Entity = Schema.Struct({
  apiVersion: ApiVersion,
  kind: Kind,
  metadata: EntityMeta,
  spec: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  relations: Schema.optional(Schema.Array(EntityRelation))
})

/**
 * @since 0.1.0
 */
export type Entity = typeof Entity.Type

/**
 * The root fields an entity file may hold (Backstage's `NoForeignRootFieldsEntityPolicy`):
 * `relations` and `status` are computed, never written.
 *
 * @since 0.1.0
 */
export const ROOT_FIELDS: ReadonlyArray<string> = ["apiVersion", "kind", "metadata", "spec"]

const suggestName = (v: string): string =>
  v.replace(/[^-A-Za-z0-9_.]+/g, "-").replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "").slice(0, 63) || "my-service"

const suggestTag = (v: string): string =>
  v.toLowerCase().replace(/[^a-z0-9:+#]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63) || "my-tag"
