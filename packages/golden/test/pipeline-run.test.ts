/**
 * The generated GitHub Actions workflow, run for real: each job's `run:` steps in order, with the
 * environment GitHub would give them (workflow, job and step `env`, `${{ }}` expressions evaluated
 * for a pull request and then a push to main), in the `working-directory` GitHub would use, by
 * `bash -eo pipefail` as GitHub does. `paved` is this repository's built CLI, put first on PATH,
 * so the workflow's own install step finds it (as on a runner whose image has Paved). Service
 * containers are this machine's servers on the same ports. `uses:` steps (checkout, setup-node)
 * are what the test set up itself: a clone of an origin repository with the pull request's branch
 * checked out, and this Node.js. Steps that run `docker` are not run: no registry is reachable to
 * pull their base image, which the test states as it goes.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { NodeHttpService, Pipeline, Scaffold } from "@paved/golden"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { execFileSync, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as YAML from "yaml"
import { pavedBin } from "../../../testing/cli.js"
import { serverAvailable } from "../../../testing/servers.js"

interface Step {
  readonly name?: string
  readonly uses?: string
  readonly run?: string
  readonly if?: string
  readonly env?: Record<string, string>
  readonly "working-directory"?: string
}
interface Job {
  readonly if?: string
  readonly needs?: ReadonlyArray<string>
  readonly env?: Record<string, string>
  readonly services?: Record<string, { image: string; ports?: ReadonlyArray<string> }>
  readonly steps: ReadonlyArray<Step>
}
interface Workflow {
  readonly env?: Record<string, string>
  readonly defaults?: { run?: { "working-directory"?: string } }
  readonly jobs: Record<string, Job>
}

type Context = Record<string, unknown>

const lookup = (context: Context, dotted: string): unknown =>
  dotted.split(".").reduce<unknown>((v, k) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined), context)

/** The part of GitHub's expression language the generated workflows use. */
const evaluate = (expr: string, context: Context): unknown => {
  const e = expr.trim()
  if (e === "always()") return true
  const or = e.split(" || ")
  if (or.length > 1) return or.map((part) => evaluate(part, context)).find((v) => v !== "" && v !== undefined && v !== false) ?? ""
  const and = e.split(" && ")
  if (and.length > 1) return and.every((part) => evaluate(part, context) === true)
  const eq = /^(.+?) == (.+)$/.exec(e)
  if (eq !== null) return evaluate(eq[1]!, context) === evaluate(eq[2]!, context)
  const quoted = /^'((?:[^']|'')*)'$/.exec(e)
  if (quoted !== null) return quoted[1]!.replace(/''/g, "'")
  const value = lookup(context, e)
  return value === undefined ? "" : value
}

const interpolate = (text: string, context: Context): string =>
  text.replace(/\$\{\{(.*?)\}\}/g, (_, expr: string) => String(evaluate(expr, context)))

interface StepResult {
  readonly job: string
  readonly step: string
  readonly code: number
  readonly output: string
}

/** Runs one job's steps as GitHub would; stops at the first failing step (later `if: always()` steps still run). */
const runJob = (
  workflow: Workflow,
  jobName: string,
  context: Context,
  workspace: string,
  basePath: string,
  log: Array<StepResult>
): boolean => {
  const job = workflow.jobs[jobName]!
  if (job.if !== undefined && evaluate(job.if, context) !== true) return false
  let failed = false
  for (const step of job.steps) {
    const label = step.name ?? step.run ?? step.uses ?? "?"
    if (step.run === undefined) continue
    const always = step.if !== undefined && evaluate(step.if, context) === true
    if (failed && !always) continue
    if (/(^|\s|&& )docker /.test(step.run)) {
      log.push({ job: jobName, step: label, code: -1, output: "not run: docker needs a registry for its base image" })
      continue
    }
    const env: Record<string, string> = {
      PATH: basePath,
      HOME: process.env.HOME ?? os.homedir(),
      CI: "true",
      GITHUB_ACTIONS: "true",
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: path.join(workspace, "..", "runner-temp")
    }
    for (const scope of [workflow.env, job.env, step.env]) {
      for (const [k, v] of Object.entries(scope ?? {})) env[k] = interpolate(String(v), context)
    }
    const cwd = path.join(workspace, step["working-directory"] ?? workflow.defaults?.run?.["working-directory"] ?? ".")
    const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", interpolate(step.run, context)], {
      cwd,
      env,
      encoding: "utf8",
      timeout: 240_000
    })
    const code = result.status ?? 1
    log.push({ job: jobName, step: label, code, output: `${result.stdout}${result.stderr}` })
    if (code !== 0) failed = true
  }
  return !failed
}

const git = (cwd: string, ...args: Array<string>) =>
  execFileSync("git", ["-c", "user.email=ci@example.com", "-c", "user.name=ci", ...args], { cwd, encoding: "utf8" })

/** One SQL statement on the local server as its superuser; the rows, one per line. */
const admin = (sql: string): Array<string> =>
  execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Atc", sql], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.length > 0)

const TestLayer = Layer.merge(Pipeline.layerGitHubActions, NodeContext.layer)

describe.runIf(serverAvailable("postgresql"))("the generated GitHub Actions workflow, run step by step", () => {
  it.scoped("validate, test, plan and preview on a pull request, then deploy and plan again on main", () =>
    Effect.gen(function*() {
      const id = randomBytes(3).toString("hex")
      const name = `gp${id}`
      const target = `h3stg-${id}`
      const stateDb = `paved_golden_state_${id}`
      // A pull request number of its own, so the preview's databases never meet another suite's.
      const pr = 10000 + (parseInt(id, 16) % 90000)
      const root = yield* Effect.acquireRelease(
        Effect.sync(() => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "paved-golden-ci-")))),
        (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
      )
      // A repository with the service in a subdirectory, pushed to an origin; the pull request
      // changes the service's code.
      const origin = path.join(root, "origin.git")
      const seed = path.join(root, "seed")
      fs.mkdirSync(seed)
      git(root, "init", "-q", "--bare", "-b", "main", origin)
      git(seed, "init", "-q", "-b", "main")
      const serviceDir = path.join(seed, "services", name)
      yield* Scaffold.generate({ template: NodeHttpService.latest, answers: { name }, out: serviceDir })
      const generated = yield* Pipeline.pipelineFor(serviceDir, { targetEnvironment: target })
      expect(generated.path).toBe(`.github/workflows/${name}.yml`)
      fs.mkdirSync(path.join(seed, ".github/workflows"), { recursive: true })
      fs.writeFileSync(path.join(seed, generated.path), generated.content)
      git(seed, "add", "-A")
      git(seed, "commit", "-qm", "service")
      git(seed, "remote", "add", "origin", origin)
      git(seed, "push", "-q", "origin", "main")
      git(seed, "checkout", "-qb", "feature")
      fs.appendFileSync(path.join(serviceDir, "src/server.ts"), "\n// A change under review.\n")
      git(seed, "commit", "-qam", "change")
      git(seed, "push", "-q", "origin", "feature")
      const workspace = path.join(root, "workspace")
      git(root, "clone", "-q", origin, workspace)
      git(workspace, "checkout", "-q", "feature")

      // `paved` is this repository's build, first on PATH.
      const bin = path.join(root, "bin")
      fs.mkdirSync(bin)
      fs.writeFileSync(path.join(bin, "paved"), `#!/bin/sh\nexec "${process.execPath}" "${pavedBin}" "$@"\n`, { mode: 0o755 })
      const basePath = `${bin}:${path.dirname(process.execPath)}:${process.env.PATH ?? ""}`

      const secrets = {
        PAVED_DB_URL: `postgres://postgres@127.0.0.1:5432/${stateDb}`,
        PAVED_POSTGRES_URL: "postgres://postgres@127.0.0.1:5432/postgres",
        PAVED_SECRET_KEY: randomBytes(32).toString("hex"),
        GITHUB_TOKEN: "unused"
      }
      yield* Effect.acquireRelease(
        Effect.sync(() => admin(`CREATE DATABASE ${stateDb}`)),
        () =>
          Effect.sync(() =>
            spawnSync(process.execPath, [pavedBin, "provision", "destroy", "--env", target, "--yes"], {
              cwd: path.join(workspace, "services", name),
              env: { ...process.env, PAVED_DB_URL: secrets.PAVED_DB_URL, PAVED_POSTGRES_URL: secrets.PAVED_POSTGRES_URL, PAVED_SECRET_KEY: secrets.PAVED_SECRET_KEY },
              encoding: "utf8",
              timeout: 60_000
            })
          ).pipe(Effect.zipRight(Effect.try(() => admin(`DROP DATABASE IF EXISTS ${stateDb} WITH (FORCE)`))), Effect.ignore)
      )
      const workflow = YAML.parse(fs.readFileSync(path.join(workspace, generated.path), "utf8")) as Workflow
      const github = { repository: "acme/shop", sha: git(workspace, "rev-parse", "HEAD").trim(), actor: "ci" }
      const pullRequest: Context = {
        github: { ...github, event_name: "pull_request", ref: `refs/pull/${pr}/merge`, base_ref: "main", event: { number: pr } },
        secrets,
        vars: {}
      }
      const log: Array<StepResult> = []
      const show = () => log.map((r) => `[${r.job}] ${r.step} -> ${r.code}\n${r.output}`).join("\n")

      for (const job of ["validate", "test", "plan", "preview"]) {
        expect(runJob(workflow, job, pullRequest, workspace, basePath, log), show()).toBe(true)
      }
      expect(runJob(workflow, "deploy", pullRequest, workspace, basePath, log)).toBe(false)
      const step = (job: string, text: string) => log.find((r) => r.job === job && r.step.includes(text))!
      expect(step("validate", "paved catalog validate").output).toMatch(/valid|0 errors/i)
      expect(step("test", "npm test").output).toContain("# pass 4")
      expect(step("plan", "paved provision plan").output).toContain("create")
      expect(step("preview", "paved env up").output).toContain(`pr-${pr}: 1 services ready`)
      expect(step("preview", "paved env list").output).toMatch(new RegExp(`pr-${pr}\\s+preview\\s+ready`))
      expect(step("preview", "paved env down").output).toContain(`removed pr-${pr}`)
      expect(log.filter((r) => r.code === -1).map((r) => `${r.job}: ${r.step}`)).toEqual([])

      // The merge to main: deploy (its docker steps aside) applies against the recorded state,
      // so the next plan sees what the deploy created.
      git(workspace, "checkout", "-q", "main")
      git(workspace, "merge", "-q", "feature")
      const push: Context = { github: { ...github, event_name: "push", ref: "refs/heads/main", event: {} }, secrets, vars: {} }
      expect(runJob(workflow, "preview", push, workspace, basePath, log)).toBe(false)
      expect(runJob(workflow, "deploy", push, workspace, basePath, log), show()).toBe(true)
      expect(log.filter((r) => r.code === -1).map((r) => `${r.job}: ${r.step}`)).toEqual(["deploy: docker build", "deploy: docker push"])
      expect(step("deploy", "paved provision apply").output).toContain("create")
      const databases = admin(`SELECT datname FROM pg_database WHERE datname LIKE 'paved_${target.replace(/-/g, "_")}%'`)
      expect(databases.length).toBe(1)
      const replan = log.length
      expect(runJob(workflow, "plan", push, workspace, basePath, log), show()).toBe(true)
      expect(log.slice(replan).find((r) => r.step.includes("paved provision plan"))!.output).toMatch(/no-op|nothing to do|up to date/i)
    }).pipe(Effect.provide(TestLayer)), 600_000)

  it.scoped("the deploy job stops with what to set when the state store secret is missing", () =>
    Effect.gen(function*() {
      const root = yield* Effect.acquireRelease(
        Effect.sync(() => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "paved-golden-ci-")))),
        (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
      )
      git(root, "init", "-q", "-b", "main")
      yield* Scaffold.generate({ template: NodeHttpService.latest, answers: { name: "nosecrets" }, out: root })
      const generated = yield* Pipeline.pipelineFor(root)
      const workflow = YAML.parse(generated.content) as Workflow
      const log: Array<StepResult> = []
      const push: Context = { github: { event_name: "push", ref: "refs/heads/main", event: {} }, secrets: {}, vars: {} }
      expect(runJob(workflow, "deploy", push, root, process.env.PATH ?? "", log)).toBe(false)
      const check = log.find((r) => r.step === "Check the deploy secrets")!
      expect(check.code).toBe(1)
      expect(check.output).toContain("PAVED_DB_URL is not set")
    }).pipe(Effect.provide(TestLayer)))
})
