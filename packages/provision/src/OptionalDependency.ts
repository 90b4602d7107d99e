/**
 * Optional dependencies: the database drivers (`mysql2`, `ioredis`, `nats`) and Pulumi
 * (`@pulumi/pulumi`, `@pulumi/aws`, `@pulumi/kubernetes`) are optional peer dependencies of
 * `@paved/provision` and `@paved/envs`, loaded on first use. A script that only reads Score
 * files and plans installs none of them; one that provisions Redis installs `ioredis` beside
 * Paved (`@paved/cli` depends on all of them). A missing one is a clear error naming the package
 * to install, never a stack trace from the module loader.
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"

/**
 * An optional dependency that is not installed.
 *
 * @since 0.2.0
 */
export class MissingDependency extends Data.TaggedError("MissingDependency")<{
  /** The npm package to install. */
  readonly packageName: string
  /** What needs it, for the message ("the redis provisioner"). */
  readonly usedFor: string
}> {
  override get message(): string {
    return `${this.usedFor} needs the npm package ${this.packageName}, which is not installed: npm install ${this.packageName}`
  }
}

const notFound = (error: unknown, packageName: string): boolean => {
  const code = (error as { readonly code?: unknown } | null)?.code
  return (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") &&
    String((error as { readonly message?: unknown }).message).includes(packageName)
}

/**
 * Imports an optional dependency: `importer` is the `import()` call itself (so bundlers see the
 * literal specifier). Rejects with {@link MissingDependency} when `packageName` is not
 * installed; any other failure is passed on unchanged.
 *
 * @since 0.2.0
 */
export const load = async <M>(packageName: string, usedFor: string, importer: () => Promise<M>): Promise<M> => {
  try {
    return await importer()
  } catch (error) {
    if (notFound(error, packageName)) throw new MissingDependency({ packageName, usedFor })
    throw error
  }
}
