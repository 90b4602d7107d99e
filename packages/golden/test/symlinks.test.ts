/**
 * The attacks of defect 3 of the security review, with real symbolic links: a contributor who
 * replaces a template-owned file or directory with a link must not decide what `golden new` or
 * `golden update` writes, nor what `golden check` prints.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { Conformance, Manifest, NodeHttpService, Scaffold, TemplateRegistry, Update } from "@paved/golden"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const TestLayer = Layer.merge(TemplateRegistry.layerBuiltin, NodeContext.layer)

const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "paved-golden-links-")))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

/** Every file under `dir` (links listed as links), to show nothing was written. */
const listing = (dir: string): Array<string> =>
  fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)) + (e.isSymbolicLink() ? " -> link" : ""))
    .sort()

const generated = (root: string, name: string, version = NodeHttpService.v1_0_0) =>
  Scaffold.generate({ template: version, answers: { name }, out: path.join(root, name) }).pipe(Effect.map((g) => g.dir))

describe("golden paths never follow symbolic links", () => {
  it.scoped("new: a dangling package.json link is refused, and its target is never created", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const dir = path.join(root, "s2")
      const pwned = path.join(root, "outside", "PWNED")
      fs.mkdirSync(path.dirname(pwned))
      fs.mkdirSync(dir)
      fs.symlinkSync(pwned, path.join(dir, "package.json"))

      const error = yield* Effect.flip(Scaffold.generate({ template: NodeHttpService.latest, answers: { name: "s2" }, out: dir }))
      expect(error._tag).toBe("UnsafeFileError")
      expect(error.message).toContain("package.json is a symbolic link")
      expect(fs.existsSync(pwned)).toBe(false)
      expect(listing(dir)).toEqual(["package.json -> link"])
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("new: a src directory linked to another directory is refused; nothing is written there", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const dir = path.join(root, "s3")
      const other = path.join(root, "other")
      fs.mkdirSync(dir)
      fs.mkdirSync(other)
      fs.symlinkSync(other, path.join(dir, "src"))

      const error = yield* Effect.flip(Scaffold.generate({ template: NodeHttpService.latest, answers: { name: "s3" }, out: dir }))
      expect(error._tag).toBe("UnsafeFileError")
      expect(error.message).toMatch(/src\/\S+\.ts: its parent directory src is a symbolic link/)
      expect(fs.readdirSync(other)).toEqual([])
      expect(listing(dir)).toEqual(["src -> link"])
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("new: a linked .paved directory is refused before any file is written", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const dir = path.join(root, "s4")
      const elsewhere = path.join(root, "elsewhere")
      fs.mkdirSync(dir)
      fs.mkdirSync(elsewhere)
      fs.symlinkSync(elsewhere, path.join(dir, ".paved"))

      const error = yield* Effect.flip(Scaffold.generate({ template: NodeHttpService.latest, answers: { name: "s4" }, out: dir }))
      expect(error._tag).toBe("UnsafeFileError")
      expect(error.message).toContain(".paved is a symbolic link")
      expect(fs.readdirSync(elsewhere)).toEqual([])
      expect(listing(dir)).toEqual([".paved -> link"])
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("update: a Dockerfile linked to a copy of /etc/passwd is refused; the copy is untouched", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const dir = yield* generated(root, "upd")
      const passwd = path.join(root, "fake-passwd")
      fs.copyFileSync("/etc/passwd", passwd)
      const before = fs.readFileSync(passwd, "utf8")
      fs.rmSync(path.join(dir, "Dockerfile"))
      fs.symlinkSync(passwd, path.join(dir, "Dockerfile"))
      const files = listing(dir)

      const error = yield* Effect.flip(Update.updateService(dir))
      expect(error._tag).toBe("UnsafeFileError")
      expect(error.message).toContain("Dockerfile is a symbolic link")
      expect(fs.readFileSync(passwd, "utf8")).toBe(before)
      expect(listing(dir)).toEqual(files)
      expect((yield* Manifest.read(dir)).version).toBe("1.0.0")
      // A dry run refuses the same way (it would otherwise read the target).
      expect((yield* Effect.flip(Update.updateService(dir, { dryRun: true })))._tag).toBe("UnsafeFileError")
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("update: a dangling link in place of an owned file is refused, and its target is never created", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const dir = yield* generated(root, "dangle")
      const target = path.join(root, "created-by-update")
      fs.rmSync(path.join(dir, ".dockerignore"))
      fs.symlinkSync(target, path.join(dir, ".dockerignore"))

      const error = yield* Effect.flip(Update.updateService(dir))
      expect(error._tag).toBe("UnsafeFileError")
      expect(error.message).toContain(".dockerignore is a symbolic link")
      expect(fs.existsSync(target)).toBe(false)
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("update: a src directory linked elsewhere is refused; the other directory is untouched", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const dir = yield* generated(root, "srclink")
      const other = path.join(root, "other-src")
      fs.renameSync(path.join(dir, "src"), other)
      fs.symlinkSync(other, path.join(dir, "src"))
      const before = Object.fromEntries(fs.readdirSync(other).map((f) => [f, fs.readFileSync(path.join(other, f), "utf8")]))

      const error = yield* Effect.flip(Update.updateService(dir))
      expect(error._tag).toBe("UnsafeFileError")
      expect(error.message).toContain("its parent directory src is a symbolic link")
      const after = Object.fromEntries(fs.readdirSync(other).map((f) => [f, fs.readFileSync(path.join(other, f), "utf8")]))
      expect(after).toEqual(before)
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("check: a Dockerfile linked to a token file is reported as unsafe and its content never appears", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const dir = yield* generated(root, "leak")
      const token = path.join(root, "tok")
      fs.writeFileSync(token, "SECRET_TOKEN=ghp_FAKEFAKE123\n")
      fs.rmSync(path.join(dir, "Dockerfile"))
      fs.symlinkSync(token, path.join(dir, "Dockerfile"))

      const check = yield* Conformance.checkService(dir)
      expect(check.drift).toBe(true)
      expect(check.files).toEqual([
        { path: "Dockerfile", status: "unsafe", diff: "", reason: "Dockerfile is a symbolic link" }
      ])
      expect(JSON.stringify(check)).not.toContain("ghp_FAKE")
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("check: owned files under a linked directory, and dangling links, are unsafe and unread", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const dir = yield* generated(root, "leak2")
      const other = path.join(root, "secrets")
      fs.mkdirSync(other)
      fs.writeFileSync(path.join(other, "telemetry.ts"), "ghp_FAKEFAKE456\n")
      fs.rmSync(path.join(dir, "src"), { recursive: true })
      fs.symlinkSync(other, path.join(dir, "src"))
      fs.rmSync(path.join(dir, "tsconfig.json"))
      fs.symlinkSync(path.join(root, "nowhere"), path.join(dir, "tsconfig.json"))

      const check = yield* Conformance.checkService(dir)
      expect(check.files.map((f) => [f.path, f.status, f.reason])).toEqual([
        ["src/telemetry.ts", "unsafe", "its parent directory src is a symbolic link"],
        ["tsconfig.json", "unsafe", "tsconfig.json is a symbolic link"]
      ])
      expect(JSON.stringify(check)).not.toContain("ghp_FAKE")
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("a linked manifest is refused rather than read", () =>
    Effect.gen(function*() {
      const root = yield* tempDir
      const dir = yield* generated(root, "mlink")
      const secret = path.join(root, "secret.json")
      fs.writeFileSync(secret, "{\"token\": \"ghp_FAKEFAKE789\"}\n")
      fs.rmSync(path.join(dir, ".paved", "template.json"))
      fs.symlinkSync(secret, path.join(dir, ".paved", "template.json"))

      const error = yield* Effect.flip(Manifest.read(dir))
      expect(error.message).toContain(".paved/template.json is a symbolic link")
      expect(error.message).not.toContain("ghp_FAKE")
    }).pipe(Effect.provide(TestLayer)))
})
