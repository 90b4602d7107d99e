/**
 * The Backstage entity envelope: `apiVersion`, `kind`, `metadata`, `spec`, `relations`.
 *
 * This module holds the shape every Paved package reads. Kind-specific rules live in the kind
 * modules and the validators; here an entity is the envelope with an open `spec`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { EntityRef } from "./EntityRef.js"

/**
 * A link in `metadata.links`.
 *
 * @since 0.1.0
 */
export const EntityLink = Schema.Struct({
  url: Schema.String,
  title: Schema.optional(Schema.String),
  icon: Schema.optional(Schema.String),
  type: Schema.optional(Schema.String)
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
    name: Schema.String,
    namespace: Schema.optional(Schema.String),
    title: Schema.optional(Schema.String),
    description: Schema.optional(Schema.String),
    labels: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
    annotations: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
    tags: Schema.optional(Schema.Array(Schema.String)),
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
  apiVersion: Schema.String,
  kind: Schema.String,
  metadata: EntityMeta,
  spec: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  relations: Schema.optional(Schema.Array(EntityRelation))
})

/**
 * @since 0.1.0
 */
export type Entity = typeof Entity.Type
