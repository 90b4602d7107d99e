/**
 * Reference parsing without allocation for the hot paths (relations over every entity).
 */
/**
 * The canonical ref of a reference as written, or `undefined` when it cannot be parsed. The
 * same grammar as `EntityRef.parse`, without allocating on the way: `Relations.attach` runs
 * it for every reference of every entity.
 */
export const quickRef = (input: unknown, defaultKind: string | undefined, defaultNamespace: string): string | undefined => {
  if (typeof input !== "string" || input.length === 0) return undefined
  const colon = input.indexOf(":")
  const slash = input.indexOf("/")
  if (colon !== -1 && slash !== -1 && colon > slash) return undefined
  const kind = colon === -1 ? defaultKind : input.slice(0, colon)
  if (kind === undefined || kind.length === 0) return undefined
  const rest = colon === -1 ? input : input.slice(colon + 1)
  const restSlash = rest.indexOf("/")
  const namespace = restSlash === -1 ? defaultNamespace : rest.slice(0, restSlash)
  const name = restSlash === -1 ? rest : rest.slice(restSlash + 1)
  if (namespace.length === 0 || name.length === 0 || name.includes("/") || name.includes(":")) return undefined
  return `${kind}:${namespace}/${name}`.toLowerCase()
}


/**
 * Whether {@link quickRef} would accept the input, without building the ref (no allocation).
 */
export const isParsableRef = (input: unknown, defaultKind: string | undefined): boolean => {
  if (typeof input !== "string" || input.length === 0) return false
  const colon = input.indexOf(":")
  const slash = input.indexOf("/")
  if (colon !== -1 && slash !== -1 && colon > slash) return false
  if (colon === 0 || (colon === -1 && (defaultKind === undefined || defaultKind.length === 0))) return false
  const restStart = colon + 1
  const restSlash = input.indexOf("/", restStart)
  if (restSlash === restStart) return false
  const nameStart = restSlash === -1 ? restStart : restSlash + 1
  if (nameStart >= input.length) return false
  return input.indexOf("/", nameStart) === -1 && input.indexOf(":", nameStart) === -1
}
