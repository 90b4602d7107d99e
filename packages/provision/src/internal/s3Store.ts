/**
 * How the embedded S3 endpoint lays objects out on disk. Each object is two files in its bucket
 * directory: `<name>.data` (the bytes) and `<name>.meta.json` (content type, ETag, size, time and
 * the key). `<name>` is the key percent-encoded (dots too, so no name is `.`/`..` or hides a path)
 * when that stays short, else `.h-<sha256 of the key>`: keys up to S3's 1024 bytes fit any file
 * system's 255-byte name limit. Directories are 0700 and files 0600, so other local users cannot
 * read a bucket around the endpoint's signature check.
 */
import { createHash, randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"

/** S3's limit on key length, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024

/** Directory and file modes of everything the endpoint writes. */
export const DIR_MODE = 0o700
export const FILE_MODE = 0o600

export interface Meta {
  readonly key?: string
  readonly contentType: string
  readonly etag: string
  readonly size: number
  readonly lastModified: string
}

const ENCODED_NAME_LIMIT = 200
const HASHED_PREFIX = ".h-"

/** The directory of a bucket. */
export const bucketDir = (root: string, bucket: string) => path.join(root, "buckets", bucket)

/** Where uploads are written before they are complete and checked (same file system as the buckets). */
export const uploadsDir = (root: string) => path.join(root, "uploads")

const nameOf = (key: string) => {
  const encoded = encodeURIComponent(key).replace(/\./g, "%2E")
  return encoded.length <= ENCODED_NAME_LIMIT ? encoded : HASHED_PREFIX + createHash("sha256").update(key, "utf8").digest("hex")
}

/** The data and metadata files of an object. */
export const objectFiles = (root: string, bucket: string, key: string) => {
  const base = path.join(bucketDir(root, bucket), nameOf(key))
  return { data: `${base}.data`, meta: `${base}.meta.json` }
}

/** Creates a directory (and its parents) owner-only; tightens one made looser before. */
export const ensureDir = (dir: string) => {
  fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE })
  if ((fs.statSync(dir).mode & 0o077) !== 0) fs.chmodSync(dir, DIR_MODE)
}

/** The metadata of an object, or `undefined` when there is none (absent, or half-written). */
export const readMeta = (file: string): Meta | undefined => {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Meta
  } catch {
    return undefined
  }
}

/** A fresh temporary file name under the uploads directory. */
export const uploadFile = (root: string) => path.join(uploadsDir(root), `${Date.now()}-${randomBytes(8).toString("hex")}.part`)

/**
 * Moves a complete upload into place: the metadata first (written to a temporary file and
 * renamed, so it is never half there), then the data.
 */
export const commitObject = (root: string, bucket: string, key: string, upload: string, meta: Meta) => {
  const files = objectFiles(root, bucket, key)
  const metaTmp = `${upload}.meta`
  fs.writeFileSync(metaTmp, JSON.stringify({ ...meta, key }), { mode: FILE_MODE, flag: "wx" })
  fs.renameSync(metaTmp, files.meta)
  fs.renameSync(upload, files.data)
}

/** Deletes an object (nothing when it is not there). */
export const deleteObject = (root: string, bucket: string, key: string) => {
  const files = objectFiles(root, bucket, key)
  fs.rmSync(files.data, { force: true })
  fs.rmSync(files.meta, { force: true })
}

/** Every key in a bucket, sorted, with its metadata. */
export const listObjects = (root: string, bucket: string): ReadonlyArray<{ readonly key: string; readonly meta: Meta }> => {
  const dir = bucketDir(root, bucket)
  const out: Array<{ readonly key: string; readonly meta: Meta }> = []
  for (const file of fs.readdirSync(dir)) {
    if (!file.endsWith(".data")) continue
    const meta = readMeta(path.join(dir, file.slice(0, -".data".length) + ".meta.json"))
    if (meta === undefined) continue
    const key = meta.key ?? (file.startsWith(HASHED_PREFIX) ? undefined : safeDecode(file.slice(0, -".data".length)))
    if (key !== undefined) out.push({ key, meta })
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s)
  } catch {
    return undefined
  }
}

/** Removes uploads older than a day: what a killed endpoint left behind (fresh ones may be in flight in another process). */
export const sweepUploads = (root: string) => {
  const dir = uploadsDir(root)
  const cutoff = Date.now() - 24 * 60 * 60 * 1000
  for (const file of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const full = path.join(dir, file)
    try {
      if (fs.statSync(full).mtimeMs < cutoff) fs.rmSync(full, { force: true })
    } catch {
      // gone already
    }
  }
}
