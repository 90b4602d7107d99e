/**
 * Golden-path currency from the catalog: which entities record a template (the
 * `paved.dev/template` and `paved.dev/template-version` annotations that generated services
 * carry) and whether that version is the template's latest. It needs no checkout, so a
 * platform team can ask it of the whole catalog.
 *
 * @since 0.1.0
 */
import type { Entity } from "@paved/catalog/Entity"
import * as EntityRef from "@paved/catalog/EntityRef"
import * as Effect from "effect/Effect"
import * as Template from "./Template.js"
import type { TemplateNotFound } from "./TemplateRegistry.js"
import { TemplateRegistry } from "./TemplateRegistry.js"

/**
 * The annotation naming the template an entity was generated from.
 *
 * @since 0.1.0
 */
export const TEMPLATE_ANNOTATION = "paved.dev/template"

/**
 * The annotation recording the template version an entity is on.
 *
 * @since 0.1.0
 */
export const VERSION_ANNOTATION = "paved.dev/template-version"

/**
 * One entity's template, recorded version and the template's latest version.
 *
 * @since 0.1.0
 */
export interface EntityCurrency {
  readonly ref: EntityRef.EntityRef
  readonly template: string
  readonly version: string
  readonly latest: string
  readonly upToDate: boolean
}

/**
 * The currency of every entity that records a template. Fails with `TemplateNotFound` when an
 * entity names a template the registry does not know. A missing or malformed recorded version
 * counts as behind.
 *
 * @since 0.1.0
 */
export const ofEntities = (
  entities: ReadonlyArray<Entity>
): Effect.Effect<ReadonlyArray<EntityCurrency>, TemplateNotFound, TemplateRegistry> =>
  Effect.gen(function*() {
    const registry = yield* TemplateRegistry
    return yield* Effect.forEach(
      entities.filter((e) => e.metadata.annotations?.[TEMPLATE_ANNOTATION] !== undefined),
      (entity) =>
        Effect.map(registry.latest(entity.metadata.annotations![TEMPLATE_ANNOTATION]!), (latest): EntityCurrency => {
          const version = entity.metadata.annotations![VERSION_ANNOTATION] ?? "(none)"
          // A missing or malformed version is reported as behind, never compared.
          const comparable = /^\d+\.\d+\.\d+(?:[-+].*)?$/.test(version)
          return {
            ref: EntityRef.of(entity),
            template: latest.name,
            version,
            latest: latest.version,
            upToDate: comparable && Template.compareVersions(version, latest.version) >= 0
          }
        })
    )
  })
