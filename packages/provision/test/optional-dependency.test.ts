/**
 * Drivers and Pulumi are optional peer dependencies, loaded on first use: a missing one is an
 * error that names the package to install; any other failure of the import passes unchanged.
 */
import { describe, expect, it } from "@effect/vitest"
import { OptionalDependency } from "@paved/provision"

describe("OptionalDependency.load", () => {
  it("says which package to install when it is missing", async () => {
    const name = "paved-no-such-package-for-the-test"
    const failure = await OptionalDependency.load(name, "the example provisioner", () => import(name)).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(OptionalDependency.MissingDependency)
    expect((failure as Error).message).toBe(
      `the example provisioner needs the npm package ${name}, which is not installed: npm install ${name}`
    )
  })

  it("returns the module when it is installed, and passes other failures on", async () => {
    const yaml = await OptionalDependency.load("yaml", "reading YAML", () => import("yaml"))
    expect(typeof yaml.parse).toBe("function")
    const broken = new Error("the module threw while loading")
    await expect(OptionalDependency.load("yaml", "reading YAML", () => Promise.reject(broken))).rejects.toBe(broken)
  })
})
