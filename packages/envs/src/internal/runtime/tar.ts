/**
 * A minimal ustar archive writer: regular files with a mode, enough for the Engine API's
 * `putArchive` (Score `files`). Directories are implied by the paths, as `tar` extracts them.
 */

const header = (name: string, size: number, mode: number): Buffer => {
  const block = Buffer.alloc(512)
  let prefix = ""
  let base = name
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf("/", 154)
    prefix = name.slice(0, cut)
    base = name.slice(cut + 1)
  }
  const field = (value: string, offset: number, length: number) => block.write(value, offset, length, "utf8")
  const octal = (value: number, offset: number, length: number) => field(value.toString(8).padStart(length - 1, "0") + "\0", offset, length)
  field(base, 0, 100)
  octal(mode & 0o7777, 100, 8)
  octal(0, 108, 8)
  octal(0, 116, 8)
  octal(size, 124, 12)
  octal(Math.floor(Date.now() / 1000), 136, 12)
  field("        ", 148, 8)
  field("0", 156, 1)
  field("ustar\0", 257, 6)
  field("00", 263, 2)
  field(prefix, 345, 155)
  let sum = 0
  for (const byte of block) sum += byte
  field(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8)
  return block
}

/** The archive of the given files (paths relative to the extraction root). */
export const tar = (files: ReadonlyArray<{ readonly path: string; readonly content: Buffer; readonly mode: number }>): Buffer => {
  const parts: Array<Buffer> = []
  for (const file of files) {
    parts.push(header(file.path, file.content.length, file.mode), file.content)
    const pad = (512 - (file.content.length % 512)) % 512
    if (pad > 0) parts.push(Buffer.alloc(pad))
  }
  parts.push(Buffer.alloc(1024))
  return Buffer.concat(parts)
}
