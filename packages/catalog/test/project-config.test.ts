import { describe, expect, it } from "@effect/vitest"
import { ProjectConfig } from "@paved/catalog"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const project = (files: Record<string, string>): string => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "paved-project-")))
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
    fs.writeFileSync(path.join(root, file), text)
  }
  return root
}

describe("ProjectConfig", () => {
  it.effect("is found from a subdirectory, with paths resolved against the file's directory", () =>
    Effect.gen(function*() {
      const root = project({
        "paved.yaml": [
          "# the platform team's defaults",
          "db: .paved/shared.db",
          "secretKey: keys/paved.key",
          "catalog: [catalog-info.yaml, teams]",
          "standards: platform/standards.yaml",
          "scorecards: [platform/readiness.yaml]",
          "templates: [platform/templates]",
          ""
        ].join("\n"),
        "services/api/src/index.ts": "export {}\n"
      })
      try {
        const config = Option.getOrThrow(yield* ProjectConfig.load(path.join(root, "services/api/src")))
        expect(config.file).toBe(path.join(root, "paved.yaml"))
        expect(config.root).toBe(root)
        expect(Option.map(config.db, Redacted.value)).toEqual(Option.some(path.join(root, ".paved/shared.db")))
        expect(config.secretKey).toEqual(Option.some(path.join(root, "keys/paved.key")))
        expect(config.catalog).toEqual([path.join(root, "catalog-info.yaml"), path.join(root, "teams")])
        expect(config.standards).toEqual(Option.some(path.join(root, "platform/standards.yaml")))
        expect(config.scorecards).toEqual([path.join(root, "platform/readiness.yaml")])
        expect(config.templates).toEqual([path.join(root, "platform/templates")])
        // The URL is redacted when printed: a PostgreSQL URL may carry a password.
        expect(String(config.db)).not.toContain("shared.db")
      } finally {
        fs.rmSync(root, { recursive: true, force: true })
      }
    }))

  it("keeps PostgreSQL URLs as written and resolves sqlite: paths against the project root", () => {
    const pg = ProjectConfig.parse("db: postgres://paved:secret@db.internal/paved\n", "/srv/app/paved.yaml")
    expect(Either.map(pg, (c) => Option.map(c.db, Redacted.value))).toEqual(Either.right(Option.some("postgres://paved:secret@db.internal/paved")))
    const sqlite = ProjectConfig.parse("db: sqlite:state/paved.db\n", "/srv/app/paved.yaml")
    expect(Either.map(sqlite, (c) => Option.map(c.db, Redacted.value))).toEqual(Either.right(Option.some("sqlite:/srv/app/state/paved.db")))
    expect(Either.map(ProjectConfig.parse("# nothing set yet\n", "/srv/app/paved.yaml"), (c) => c.catalog)).toEqual(Either.right([]))
  })

  it("stops at the repository root: a paved.yaml above the directory holding .git is not this project's", () => {
    const root = project({ "paved.yaml": "catalog: [x]\n", "repo/.git/HEAD": "ref: refs/heads/main\n", "repo/src/a.ts": "" })
    try {
      expect(ProjectConfig.find(path.join(root, "repo/src"))).toEqual(Option.none())
      fs.writeFileSync(path.join(root, "repo/paved.yaml"), "catalog: [y]\n")
      expect(ProjectConfig.find(path.join(root, "repo/src"))).toEqual(Option.some(path.join(root, "repo/paved.yaml")))
    } finally {
      fs.rmSync(root, { recursive: true, force: true })
    }
  })

  it("reports an unknown key and a wrong type at their line and column, every problem at once", () => {
    const parsed = ProjectConfig.parse(["db: .paved/paved.db", "catalogue: [catalog-info.yaml]", "templates: 3", ""].join("\n"), path.resolve("paved.yaml"))
    expect(Either.isLeft(parsed)).toBe(true)
    const error = Either.getLeft(parsed).pipe(Option.getOrThrow)
    expect(error._tag).toBe("ProjectConfigError")
    const lines = error.message.split("\n")
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/^paved\.yaml:2:\d+ catalogue: is unexpected, expected: "db" \| "secretKey"/)
    expect(lines[1]).toMatch(/^paved\.yaml:3:12 templates: Expected ReadonlyArray<NonEmptyString>, actual 3$/)
  })

  it("reports YAML syntax errors with their position", () => {
    const parsed = ProjectConfig.parse("db: [unclosed\n", path.resolve("paved.yaml"))
    const error = Either.getLeft(parsed).pipe(Option.getOrThrow)
    expect(error.message).toMatch(/^paved\.yaml:\d+:\d+ /)
  })
})
