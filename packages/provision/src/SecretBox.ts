/**
 * Encryption at rest for outputs: AES-256-GCM with a key from `PAVED_SECRET_KEY` (32 bytes as
 * base64 or hex) or, when unset, a key file generated once with mode 0600 (`.paved/secret.key`).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"

/**
 * The key is missing, malformed, or a sealed value does not open with it.
 *
 * @since 0.1.0
 */
export class SecretKeyError extends Data.TaggedError("SecretKeyError")<{ readonly detail: string }> {
  override get message(): string {
    return `secret key: ${this.detail}`
  }
}

/**
 * Seals and opens values.
 *
 * @since 0.1.0
 */
export interface Service {
  readonly seal: (plaintext: Redacted.Redacted<string>) => string
  readonly open: (sealed: string) => Effect.Effect<Redacted.Redacted<string>, SecretKeyError>
}

/**
 * @since 0.1.0
 */
export class SecretBox extends Context.Tag("@paved/provision/SecretBox")<SecretBox, Service>() {}

const VERSION = "v1"

/**
 * A box over a 32-byte key. Sealed values read `v1.<iv>.<tag>.<ciphertext>` (base64url).
 *
 * @since 0.1.0
 */
export const fromKey = (key: Redacted.Redacted<Buffer>): Service => ({
  seal: (plaintext) => {
    const iv = randomBytes(12)
    const cipher = createCipheriv("aes-256-gcm", Redacted.value(key), iv)
    const data = Buffer.concat([cipher.update(Redacted.value(plaintext), "utf8"), cipher.final()])
    return [VERSION, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), data.toString("base64url")].join(".")
  },
  open: (sealed) => {
    const fail = new SecretKeyError({
      detail: "a stored value does not decrypt with this key (was PAVED_SECRET_KEY or .paved/secret.key changed?)"
    })
    const [version, iv, tag, data] = sealed.split(".")
    if (version !== VERSION || iv === undefined || tag === undefined || data === undefined) return Effect.fail(fail)
    return Effect.try({
      try: () => {
        const decipher = createDecipheriv("aes-256-gcm", Redacted.value(key), Buffer.from(iv, "base64url"))
        decipher.setAuthTag(Buffer.from(tag, "base64url"))
        return Redacted.make(Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8"))
      },
      catch: () => fail
    })
  }
})

const parseKey = (text: string): Buffer | undefined => {
  const t = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, "hex")
  const b = Buffer.from(t, "base64")
  return b.length === 32 ? b : undefined
}

/**
 * Reads the key: `PAVED_SECRET_KEY` when set, else `file` (default `<dir>/secret.key`, or the
 * `secretKey` of the project's `paved.yaml`), generating that file (mode 0600) the first time.
 *
 * @since 0.1.0
 */
export const loadKey = (dir: string, file: string = path.join(dir, "secret.key")): Effect.Effect<Redacted.Redacted<Buffer>, SecretKeyError> =>
  Effect.gen(function*() {
    const fromEnv = process.env["PAVED_SECRET_KEY"]
    if (fromEnv !== undefined && fromEnv !== "") {
      const key = parseKey(fromEnv)
      if (key === undefined) return yield* new SecretKeyError({ detail: "PAVED_SECRET_KEY must be 32 bytes as 64 hex digits or base64" })
      return Redacted.make(key)
    }
    const text = yield* Effect.try({
      try: () => {
        fs.mkdirSync(path.dirname(file), { recursive: true })
        // "wx" fails when the file exists, so two processes never overwrite each other's key.
        if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString("base64") + "\n", { mode: 0o600, flag: "wx" })
        return fs.readFileSync(file, "utf8")
      },
      catch: (e) => new SecretKeyError({ detail: `cannot read or create ${file}: ${String(e)}` })
    }).pipe(Effect.orElse(() =>
      Effect.try({ try: () => fs.readFileSync(file, "utf8"), catch: (e) => new SecretKeyError({ detail: `cannot read ${file}: ${String(e)}` }) })
    ))
    const key = parseKey(text)
    if (key === undefined) return yield* new SecretKeyError({ detail: `${file} does not hold a 32-byte key` })
    return Redacted.make(key)
  })

/**
 * The box with the key from {@link loadKey}.
 *
 * @since 0.1.0
 */
export const layer = (options: { readonly dir?: string; readonly file?: string } = {}): Layer.Layer<SecretBox, SecretKeyError> =>
  Layer.effect(SecretBox, Effect.map(loadKey(options.dir ?? ".paved", options.file), fromKey))
