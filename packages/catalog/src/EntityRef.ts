/**
 * Entity references: `[kind:][namespace/]name`, as Backstage writes them.
 *
 * A reference is parsed with the defaults of the field that holds it (an `owner` defaults to
 * kind `Group`, a `system` to `System`, ...) and the namespace of the entity that refers, then
 * formatted to the canonical lowercase form `kind:namespace/name`, which is what every Paved
 * package uses as a key.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

/**
 * The canonical, lowercase form of a reference: `kind:namespace/name`. Branded so that a raw
 * string from a file can never be used as a key without going through {@link parse}.
 *
 * @since 0.1.0
 */
export const EntityRef = Schema.String.pipe(
  Schema.pattern(/^[^:/]+:[^:/]+\/[^:/]+$/),
  Schema.brand("@paved/catalog/EntityRef")
)

/**
 * @since 0.1.0
 */
export type EntityRef = typeof EntityRef.Type

/**
 * The three parts of a reference, with the case as written.
 *
 * @since 0.1.0
 */
export interface CompoundEntityRef {
  readonly kind: string
  readonly namespace: string
  readonly name: string
}

/**
 * The namespace an entity without `metadata.namespace` lives in.
 *
 * @since 0.1.0
 */
export const DEFAULT_NAMESPACE = "default"

/**
 * Defaults used while parsing a reference: the kind the referring field implies and the
 * namespace of the referring entity.
 *
 * @since 0.1.0
 */
export interface ParseContext {
  readonly defaultKind?: string | undefined
  readonly defaultNamespace?: string | undefined
}

/**
 * A reference that cannot be parsed: empty parts, a missing kind with no default, or extra
 * separators.
 *
 * @since 0.1.0
 */
export class EntityRefParseError extends Data.TaggedError("EntityRefParseError")<{
  readonly input: string
  readonly reason: string
}> {
  override get message(): string {
    return `Invalid entity reference "${this.input}": ${this.reason}`
  }
}

/**
 * Parses `[kind:][namespace/]name`, filling missing parts from the context, and keeps the case
 * as written. Fails when the kind is missing and the context has no default, or a part is empty.
 *
 * @since 0.1.0
 */
export const parseCompound = (
  input: string,
  context: ParseContext = {}
): Either.Either<CompoundEntityRef, EntityRefParseError> => {
  const fail = (reason: string) => Either.left(new EntityRefParseError({ input, reason }))
  if (typeof input !== "string" || input.length === 0) return fail("it is empty")
  const colon = input.indexOf(":")
  const slash = input.indexOf("/")
  // A colon after the first slash belongs to the name in Backstage's grammar only when there is
  // no kind; treat it as an error so that `ns/kind:name` typos are caught rather than guessed.
  if (colon !== -1 && slash !== -1 && colon > slash) return fail("the kind must come before the namespace")
  const kind = colon === -1 ? context.defaultKind : input.slice(0, colon)
  const rest = colon === -1 ? input : input.slice(colon + 1)
  const restSlash = rest.indexOf("/")
  const namespace = restSlash === -1 ? (context.defaultNamespace ?? DEFAULT_NAMESPACE) : rest.slice(0, restSlash)
  const name = restSlash === -1 ? rest : rest.slice(restSlash + 1)
  if (kind === undefined) return fail("it has no kind, and this field has no default kind; write it as kind:namespace/name")
  if (kind.length === 0) return fail("the kind before ':' is empty")
  if (namespace.length === 0) return fail("the namespace before '/' is empty")
  if (name.length === 0) return fail("the name is empty")
  if (name.includes("/") || name.includes(":")) return fail("the name contains '/' or ':'")
  return Either.right({ kind, namespace, name })
}

/**
 * Formats parts into the canonical lowercase `kind:namespace/name`.
 *
 * @since 0.1.0
 */
export const make = (parts: CompoundEntityRef): EntityRef =>
  // `toLowerCase` equals Backstage's `toLocaleLowerCase("en-US")` for every valid name (ASCII
  // only) and is many times faster, which matters on the 100k-entity path.
  `${parts.kind}:${parts.namespace}/${parts.name}`.toLowerCase() as EntityRef

/**
 * Parses a reference into its canonical form (see {@link parseCompound}).
 *
 * @since 0.1.0
 */
export const parse = (
  input: string,
  context: ParseContext = {}
): Either.Either<EntityRef, EntityRefParseError> => Either.map(parseCompound(input, context), make)

/**
 * Splits a canonical reference back into its parts (all lowercase).
 *
 * @since 0.1.0
 */
export const toCompound = (ref: EntityRef): CompoundEntityRef => {
  const colon = ref.indexOf(":")
  const slash = ref.indexOf("/", colon)
  return { kind: ref.slice(0, colon), namespace: ref.slice(colon + 1, slash), name: ref.slice(slash + 1) }
}

/**
 * The reference of an entity: its kind, its namespace (default `default`) and its name.
 *
 * @since 0.1.0
 */
export const of = (entity: {
  readonly kind: string
  readonly metadata: { readonly name: string; readonly namespace?: string | undefined }
}): EntityRef =>
  make({
    kind: entity.kind,
    namespace: entity.metadata.namespace ?? DEFAULT_NAMESPACE,
    name: entity.metadata.name
  })

/**
 * Case-insensitive equality of two references as written (`Component:Default/Foo` equals
 * `component:default/foo`).
 *
 * @since 0.1.0
 */
export const equals = (a: string, b: string, context: ParseContext = {}): boolean => {
  const pa = parse(a, context)
  const pb = parse(b, context)
  return Either.isRight(pa) && Either.isRight(pb) && pa.right === pb.right
}
