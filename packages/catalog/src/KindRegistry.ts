/**
 * The kinds a catalog accepts, as a service: the nine built-in kinds plus whatever a team
 * registers (a custom kind such as `AiResource`, a spec variant such as an API type, or extra
 * spec fields every Component must have). An entity of a kind that is not registered is a clear
 * `entity/unknown-kind` problem; it never stops the other entities from loading.
 *
 * ```ts
 * const Kinds = KindRegistry.layer([
 *   KindRegistry.extendSpec("Component", Schema.Struct({ tier: Schema.Literal("1", "2", "3") }))
 * ])
 * Catalog.load(["./services"]).pipe(Effect.provide(Kinds))
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import type * as Schema from "effect/Schema"
import { builtin, type KindDefinition } from "./Kinds.js"

/**
 * The registered kinds, looked up by their exact name (`Component`, not `component`).
 *
 * @since 0.1.0
 */
export interface Registry {
  readonly kinds: ReadonlyArray<KindDefinition>
  readonly get: (kind: string) => KindDefinition | undefined
}

/**
 * The registry service. Without it in the context, loading uses {@link defaultRegistry}.
 *
 * @since 0.1.0
 */
export class KindRegistry extends Context.Tag("@paved/catalog/KindRegistry")<KindRegistry, Registry>() {}

/**
 * A change to the built-in set: a whole kind (added, or replacing the built-in one of the same
 * name), a spec variant for one `spec.type`, or extra spec rules for an existing kind.
 *
 * @since 0.1.0
 */
export type Registration =
  | { readonly _tag: "Kind"; readonly definition: KindDefinition }
  | { readonly _tag: "Variant"; readonly kind: string; readonly type: string; readonly spec: Schema.Schema<unknown, unknown> }
  | { readonly _tag: "Extension"; readonly kind: string; readonly spec: Schema.Schema<unknown, unknown> }

/**
 * Registers (or replaces) a whole kind.
 *
 * @since 0.1.0
 */
export const kind = (definition: KindDefinition): Registration => ({ _tag: "Kind", definition })

/**
 * Registers the spec schema used when an entity of `kind` has `spec.type === type` (e.g. the
 * API type `ai-model-server`, which has `remotes` instead of a `definition`).
 *
 * @since 0.1.0
 */
export const variant = <A, I>(kind: string, type: string, spec: Schema.Schema<A, I>): Registration => ({
  _tag: "Variant",
  kind,
  type,
  spec: spec as unknown as Schema.Schema<unknown, unknown>
})

/**
 * Adds spec rules to an existing kind: the entity's `spec` must satisfy the kind's schema and
 * this one (use it for organisation-wide custom fields).
 *
 * @since 0.1.0
 */
export const extendSpec = <A, I>(kind: string, spec: Schema.Schema<A, I>): Registration => ({
  _tag: "Extension",
  kind,
  spec: spec as unknown as Schema.Schema<unknown, unknown>
})

/**
 * Builds a registry from the built-in kinds and the given registrations, applied in order.
 *
 * @since 0.1.0
 */
export const make = (registrations: ReadonlyArray<Registration> = []): Registry => {
  const byKind = new Map<string, KindDefinition>(builtin.map((d) => [d.kind, d]))
  for (const r of registrations) {
    if (r._tag === "Kind") {
      byKind.set(r.definition.kind, r.definition)
      continue
    }
    const base = byKind.get(r.kind)
    if (base === undefined) continue
    byKind.set(
      r.kind,
      r._tag === "Variant"
        ? { ...base, variants: { ...base.variants, [r.type]: r.spec } }
        : { ...base, extensions: [...(base.extensions ?? []), r.spec] }
    )
  }
  const kinds = [...byKind.values()]
  return { kinds, get: (k) => byKind.get(k) }
}

/**
 * The nine built-in kinds and nothing else.
 *
 * @since 0.1.0
 */
export const defaultRegistry: Registry = make()

/**
 * A layer with the built-in kinds plus the given registrations.
 *
 * @since 0.1.0
 */
export const layer = (registrations: ReadonlyArray<Registration> = []): Layer.Layer<KindRegistry> =>
  Layer.succeed(KindRegistry, make(registrations))
