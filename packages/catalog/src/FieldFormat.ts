/**
 * The field formats of Backstage's `FieldFormatEntityPolicy` (`@backstage/catalog-model` 1.10),
 * as plain predicates: entity names, namespaces, kinds, API versions, label and annotation keys
 * and values, tags, link URLs. The entity schemas refine their strings with these, so the
 * schema stays the single description and the hot path calls the same functions.
 *
 * @since 0.1.0
 */

/**
 * An object name (entity names, label values, the name part of label/annotation keys):
 * sequences of `[A-Za-z0-9]` separated by `[-_.]`, 1 to 63 characters.
 *
 * @since 0.1.0
 */
export const OBJECT_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/

/**
 * A DNS label (namespaces, the parts of DNS subdomains): `[a-z0-9]` groups separated by `-`.
 *
 * @since 0.1.0
 */
export const DNS_LABEL = /^[a-z0-9]+(?:-+[a-z0-9]+)*$/

/**
 * A tag: `[a-z0-9:+#]` groups separated by `-`, 1 to 63 characters.
 *
 * @since 0.1.0
 */
export const TAG = /^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$/

/**
 * A kind: a letter followed by letters and digits, 1 to 63 characters.
 *
 * @since 0.1.0
 */
export const KIND = /^[a-zA-Z][a-z0-9A-Z]*$/

const API_VERSION_SUFFIX = /^[a-z0-9A-Z]+$/

/**
 * @since 0.1.0
 */
export const isValidDnsLabel = (value: unknown): value is string =>
  typeof value === "string" && value.length >= 1 && value.length <= 63 && DNS_LABEL.test(value)

/**
 * A DNS subdomain: dot-separated DNS labels, 1 to 253 characters.
 *
 * @since 0.1.0
 */
export const isValidDnsSubdomain = (value: unknown): value is string => {
  if (typeof value !== "string" || value.length < 1 || value.length > 253) return false
  // Label by label without `split`: label keys are checked for every entity.
  let start = 0
  while (true) {
    const dot = value.indexOf(".", start)
    const label = dot === -1 ? value.slice(start) : value.slice(start, dot)
    if (!isValidDnsLabel(label)) return false
    if (dot === -1) return true
    start = dot + 1
  }
}

const prefixAndOrSuffix = (
  value: unknown,
  isValidPrefix: (s: string) => boolean,
  isValidSuffix: (s: string) => boolean
): value is string => {
  if (typeof value !== "string") return false
  const slash = value.indexOf("/")
  if (slash === -1) return isValidSuffix(value)
  if (value.indexOf("/", slash + 1) !== -1) return false
  return isValidPrefix(value.slice(0, slash)) && isValidSuffix(value.slice(slash + 1))
}

/**
 * @since 0.1.0
 */
export const isValidObjectName = (value: unknown): value is string =>
  typeof value === "string" && value.length >= 1 && value.length <= 63 && OBJECT_NAME.test(value)

/**
 * Entity names follow the object-name rule.
 *
 * @since 0.1.0
 */
export const isValidEntityName = isValidObjectName

/**
 * Namespaces are DNS labels.
 *
 * @since 0.1.0
 */
export const isValidNamespace = isValidDnsLabel

/**
 * @since 0.1.0
 */
export const isValidKind = (value: unknown): value is string =>
  typeof value === "string" && value.length >= 1 && value.length <= 63 && KIND.test(value)

/**
 * `[dns-subdomain/]version`, e.g. `backstage.io/v1alpha1`.
 *
 * @since 0.1.0
 */
export const isValidApiVersion = (value: unknown): value is string =>
  prefixAndOrSuffix(
    value,
    isValidDnsSubdomain,
    (n) => n.length >= 1 && n.length <= 63 && API_VERSION_SUFFIX.test(n)
  )

/**
 * `[dns-subdomain/]object-name`, e.g. `backstage.io/techdocs-ref`.
 *
 * @since 0.1.0
 */
export const isValidLabelKey = (value: unknown): value is string =>
  prefixAndOrSuffix(value, isValidDnsSubdomain, isValidObjectName)

/**
 * A label value is empty or an object name.
 *
 * @since 0.1.0
 */
export const isValidLabelValue = (value: unknown): value is string => value === "" || isValidObjectName(value)

/**
 * Annotation keys follow the label-key rule.
 *
 * @since 0.1.0
 */
export const isValidAnnotationKey = isValidLabelKey

/**
 * Annotation values are any string.
 *
 * @since 0.1.0
 */
export const isValidAnnotationValue = (value: unknown): value is string => typeof value === "string"

/**
 * @since 0.1.0
 */
export const isValidTag = (value: unknown): value is string =>
  typeof value === "string" && value.length >= 1 && value.length <= 63 && TAG.test(value)

/**
 * A string the WHATWG URL parser accepts.
 *
 * @since 0.1.0
 */
export const isValidUrl = (value: unknown): value is string => typeof value === "string" && URL.canParse(value)

/**
 * A string with at least one non-blank character.
 *
 * @since 0.1.0
 */
export const isNonEmptyString = (value: unknown): value is string =>
  typeof value === "string" && value.trim().length >= 1
