/**
 * The one rule for environment names, used wherever a name is accepted: `paved provision --env`,
 * `paved env up|down|...`, the library entry points (`Provision.plan`/`apply`, envs'
 * `Environments.up`) and the TUI's `:up` and `:provision`.
 *
 * A name is 1 to 42 characters: lowercase ASCII letters, digits and dashes, starting and ending
 * with a letter or digit (`pr-123`, `staging`, `feature-login-2`). Upper case and non-ASCII
 * letters are refused rather than mapped, so that `PR-1`, `pr_1`, `pr.1` or `café` can never be
 * read as another environment's name. The same name is a directory, a Kubernetes namespace
 * (`paved-<name>`) and the start of every physical name (see `PhysicalName`).
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

/**
 * The longest name allowed.
 *
 * @since 0.1.0
 */
export const maxLength = 42

/**
 * The pattern a name matches.
 *
 * @since 0.1.0
 */
export const pattern: RegExp = /^[a-z0-9](?:[a-z0-9-]{0,40}[a-z0-9])?$/

/**
 * What the rule says, in one sentence a person can act on.
 *
 * @since 0.1.0
 */
export const rule =
  `an environment name is 1-${maxLength} characters: lowercase letters a-z, digits and dashes, ` +
  `starting and ending with a letter or digit (for example "pr-123")`

/**
 * Why a name is refused, or `undefined` when it is valid.
 *
 * @since 0.1.0
 */
export const validate = (name: string): string | undefined => {
  if (pattern.test(name)) return undefined
  const why = name.length === 0
    ? "it is empty"
    : name.length > maxLength
    ? `it is ${name.length} characters long`
    : /[A-Z]/.test(name) && pattern.test(name.toLowerCase())
    ? `it has upper-case letters; use ${JSON.stringify(name.toLowerCase())}`
    : /^-|-$/.test(name)
    ? "it starts or ends with a dash"
    : `it has ${[...new Set([...name].filter((c) => !/[a-z0-9-]/.test(c)))].map((c) => JSON.stringify(c)).join(", ")}`
  return `${JSON.stringify(name)} is not an environment name (${why}): ${rule}`
}

/**
 * A valid environment name.
 *
 * @since 0.1.0
 */
export const EnvironmentName = Schema.String.pipe(
  Schema.filter((name) => validate(name) ?? true),
  Schema.brand("@paved/provision/EnvironmentName")
)

/**
 * @since 0.1.0
 */
export type EnvironmentName = typeof EnvironmentName.Type

/**
 * A name was refused by the rule.
 *
 * @since 0.1.0
 */
export class InvalidEnvironmentName extends Data.TaggedError("InvalidEnvironmentName")<{
  readonly name: string
  readonly reason: string
}> {
  override get message(): string {
    return this.reason
  }
}

/**
 * The name as an `EnvironmentName`, or why it is refused.
 *
 * @since 0.1.0
 */
export const decode = (name: string): Either.Either<EnvironmentName, InvalidEnvironmentName> => {
  const reason = validate(name)
  return reason === undefined
    ? Either.right(name as EnvironmentName)
    : Either.left(new InvalidEnvironmentName({ name, reason }))
}
