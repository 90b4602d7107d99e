/**
 * How Paved touches a service's files: never through a symbolic link. Every read and write of a
 * template path checks each parent directory with `lstat` (a link is refused, never followed),
 * checks the real path of the parent against the service directory, and opens the file itself
 * with `O_NOFOLLOW`. A contributor who replaces a template-owned file or directory with a link
 * therefore cannot make `golden new` or `golden update` write elsewhere, nor `golden check`
 * print another file's content.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * A path Paved was asked to read or write is (or lies under) a symbolic link, or is not a
 * regular file; nothing was read or written through it.
 *
 * @since 0.1.0
 */
export class UnsafeFileError extends Data.TaggedError("UnsafeFileError")<{
  /** The service (output) directory. */
  readonly dir: string
  /** The template-relative path that was refused. */
  readonly path: string
  /** Why, naming the link or the entry (e.g. "src is a symbolic link"). */
  readonly reason: string
}> {
  override get message(): string {
    return `${this.dir}: refused ${this.path}: ${this.reason}. Paved never reads or writes through symbolic links ` +
      `in a service directory; replace the link with a real file or directory (or remove it) and run again`
  }
}
