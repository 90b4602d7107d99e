/**
 * Physical names: what a resource is called on its server (PostgreSQL database and role, MariaDB
 * database, RabbitMQ virtual host and user, Redis ACL user and key prefix, NATS stream, S3
 * bucket, volume directory). The default naming is injective: two different (environment,
 * resource key) pairs never get the same name, and every name is valid on every backend.
 *
 * - A *readable* name is `paved_` followed by the environment and each dot-separated part of the
 *   key, joined by `__`, with `-` written as `_`: environment `pr-1`, key `web.db` →
 *   `paved_pr_1__web__db`. It is used only when every part is lowercase letters and digits
 *   separated by single dashes, so the name can be read back into exactly one pair.
 * - Anything else (upper case, `_`, `--`, non-ASCII, an empty part, a name that would be longer
 *   than 63 characters) gets a *hashed* name: a lossy readable hint, `___` and 13 characters of
 *   the SHA-256 of the raw pair (65 bits): `paved_cafe_web_db___k2x...`. A readable name never
 *   contains `___`, so the two kinds never meet.
 *
 * Names are at most 63 characters of `[a-z0-9_]`, start with `paved_` and end with a letter or
 * digit: within PostgreSQL's 63-byte identifiers, MariaDB's 64-character database names, NATS
 * stream names and RabbitMQ's virtual hosts; `_` becomes `-` in a bucket name (a one-to-one
 * change). MySQL 8 limits user names to 32 characters, so `mysqlUser` shortens longer names the
 * same way (hint, `___`, hash).
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"

/**
 * Every physical name starts with this.
 *
 * @since 0.1.0
 */
export const prefix = "paved_"

/**
 * The longest physical name.
 *
 * @since 0.1.0
 */
export const maxLength = 63

/**
 * The longest MySQL user name (MySQL 8; MariaDB allows 80).
 *
 * @since 0.1.0
 */
export const mysqlUserMaxLength = 32

const part = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
const digestLength = 13

// RFC 4648 base32 in lower case: letters and digits only, valid everywhere a name goes.
const digest = (input: string): string => {
  const bytes = createHash("sha256").update(input, "utf8").digest()
  let out = ""
  let bits = 0
  let value = 0
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5 && out.length < digestLength) {
      out += alphabet[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
    value &= (1 << bits) - 1
    if (out.length >= digestLength) break
  }
  return out
}

const hint = (text: string, room: number): string =>
  text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+/, "").slice(0, room).replace(/_+$/, "")

const bucketSuffixes = ["-s3alias", "--ol-s3"]

/**
 * The physical name of a resource of an environment (`key` is `<workload>.<resource>` or a
 * shared resource's `id`). Injective over (env, key); see the module documentation.
 *
 * @since 0.1.0
 */
export const make = (env: string, key: string): string => {
  const parts = [env, ...key.split(".")]
  if (parts.every((p) => part.test(p))) {
    const readable = prefix + parts.map((p) => p.replace(/-/g, "_")).join("__")
    if (readable.length <= maxLength && !bucketSuffixes.some((s) => bucket(readable).endsWith(s))) return readable
  }
  const hash = digest(JSON.stringify([env, key]))
  return `${prefix}${hint(`${env}_${key}`, maxLength - prefix.length - 3 - digestLength)}___${hash}`
}

/**
 * The name the earlier default naming gave (`paved_<env>_<key>` with every run of other
 * characters collapsed to `_`). It was not injective; plans keep such a recorded name for an
 * existing resource instead of replacing (and emptying) it, and applies refuse to adopt one that
 * another environment records.
 *
 * @since 0.1.0
 */
export const legacy = (env: string, key: string): string => {
  const clean = `paved_${env}_${key}`.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/_+$/, "")
  if (clean.length <= 48) return clean
  const hash = createHash("sha256").update(`${env}\u0000${key}`).digest("hex").slice(0, 8)
  return `${clean.slice(0, 39)}_${hash}`
}

/**
 * The S3 bucket of a physical name: `_` becomes `-` (S3 allows no `_`).
 *
 * @since 0.1.0
 */
export const bucket = (name: string): string => name.replace(/_/g, "-")

/**
 * The MySQL user of a physical name: the name itself when it fits in 32 characters, otherwise a
 * hint, `___` and a hash of the whole name.
 *
 * @since 0.1.0
 */
export const mysqlUser = (name: string): string =>
  name.length <= mysqlUserMaxLength ? name : `${hint(name, mysqlUserMaxLength - 3 - digestLength)}___${digest(name)}`

/**
 * Why a name cannot be used on some backend (empty when it fits all of them): PostgreSQL
 * identifiers (63 bytes), MariaDB databases (64 characters), MySQL users (32), RabbitMQ virtual
 * hosts, Redis key prefixes and channel patterns (no glob characters, no `:`), NATS streams (no
 * whitespace, `.`, `*`, `>`, `/` or `\`) and subjects, and S3 bucket rules for `bucket(name)`.
 *
 * @since 0.1.0
 */
export const problems = (name: string): ReadonlyArray<string> => {
  const out: Array<string> = []
  if (!/^[a-z0-9_]+$/.test(name)) out.push("uses characters other than a-z, 0-9 and _")
  if (Buffer.byteLength(name, "utf8") > 63) out.push("is longer than PostgreSQL's 63-byte identifiers")
  if (name.length > 64) out.push("is longer than MariaDB's 64-character database names")
  if (mysqlUser(name).length > mysqlUserMaxLength) out.push("gives a MySQL user longer than 32 characters")
  if (/[*?[\]\\:]/.test(name)) out.push("has a Redis glob character or ':'")
  if (/[\s.*>/\\]/.test(name) || name.length === 0) out.push("is not a valid NATS stream name")
  const b = bucket(name)
  if (b.length < 3 || b.length > 63) out.push("gives an S3 bucket name outside 3-63 characters")
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(b)) out.push("gives an S3 bucket name that does not start and end with a letter or digit")
  if (/\.\./.test(b) || /^\d+\.\d+\.\d+\.\d+$/.test(b)) out.push("gives an S3 bucket name with '..' or shaped like an IP address")
  if (b.startsWith("xn--") || b.startsWith("sthree-") || bucketSuffixes.some((s) => b.endsWith(s))) {
    out.push("gives an S3 bucket name with a reserved prefix or suffix")
  }
  return out
}
