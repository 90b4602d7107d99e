/**
 * Provisioning and environment changes as lines: a plan of `@paved/provision` as a readable diff
 * (`+ create`, `~ update`, `-/+ replace`, `- delete`, `= no-op`, each with type/class and why),
 * its policy violations, apply progress events, and the arguments of `:provision` and `:up`.
 * Pure functions of what those packages returned.
 */
import * as EnvironmentName from "@paved/provision/EnvironmentName"
import type { Action, Plan } from "@paved/provision/Plan"
import type { Event } from "@paved/provision/Provision"
import { type Mutation, view, type View } from "./app.js"
import type { Line, LineStyle } from "./lines.js"

const marks: Readonly<Record<Action, { readonly mark: string; readonly style: LineStyle }>> = {
  create: { mark: "+  ", style: "ok" },
  update: { mark: "~  ", style: "warning" },
  replace: { mark: "-/+", style: "warning" },
  delete: { mark: "-  ", style: "error" },
  "no-op": { mark: "=  ", style: "dim" }
}

/** The diff mark of an action (`+`, `~`, `-/+`, `-`, `=`), three cells wide. */
export const mark = (action: Action): string => marks[action].mark

/** A plan as a diff: a summary, one line per change, then the violations. */
export const planDiff = (plan: Plan): ReadonlyArray<Line> => {
  const counts = (["create", "update", "replace", "delete", "no-op"] as const)
    .map((a) => [a, plan.changes.filter((c) => c.action === a).length] as const)
    .filter(([, n]) => n > 0)
    .map(([a, n]) => `${n} to ${a === "no-op" ? "keep" : a}`)
  const out: Array<Line> = [{
    text: `plan for ${plan.env} (${plan.envType}): ${counts.length === 0 ? "no resources requested" : counts.join(", ")}`,
    style: "heading"
  }]
  for (const c of plan.changes) {
    out.push({ text: `${mark(c.action)} ${c.action.padEnd(7)} ${c.resource.padEnd(20)} ${`${c.type}/${c.class}`.padEnd(22)} ${c.reason}`, style: marks[c.action].style })
  }
  if (plan.violations.length > 0) {
    out.push({ text: `violations (${plan.violations.length})`, style: "heading" })
    for (const v of plan.violations) {
      out.push({ text: `  ${v.enforcement === "mandatory" ? "✗" : "!"} ${v.policy} ${v.resource}: ${v.message}`, style: v.enforcement === "mandatory" ? "error" : "warning" })
    }
  }
  return out
}

/** One apply progress event as a line of the job view. */
export const eventLine = (event: Event): string => {
  switch (event._tag) {
    case "Planned":
      return `planned ${event.plan.changes.filter((c) => c.action !== "no-op").length} change(s) for ${event.plan.env}`
    case "StepStarted":
      return `${mark(event.action)} ${event.resource}: ${event.action} started`
    case "StepProgress":
      return `  ${event.resource}: ${event.message}`
    case "StepRetrying":
      return `  ${event.resource}: retrying (attempt ${event.attempt}): ${event.error}`
    case "StepCompleted":
      return `${mark(event.action)} ${event.resource}: ${event.action} done`
    case "StepFailed":
      return `failed ${event.action} ${event.resource}: ${event.error}`
  }
}

/** The words of a view subject or a command argument. */
export const words = (arg: string): ReadonlyArray<string> => arg.trim().split(/\s+/).filter((w) => w.length > 0)

/**
 * `:provision ENV [SCORE_FILE...]`: the environment and the Score files (default `score.yaml`),
 * as the provision view to open, or what is wrong.
 */
export const provisionView = (arg: string): View | string => {
  const [env, ...files] = words(arg)
  if (env === undefined) return "which environment? write :provision ENV [score.yaml...]"
  const badName = EnvironmentName.validate(env)
  if (badName !== undefined) return badName
  return view("provision", [env, ...(files.length === 0 ? ["score.yaml"] : files)].join(" "))
}

/** The change `a` asks for in a provision view. */
export const applyMutation = (subject: string): Mutation => {
  const [env = "", ...files] = words(subject)
  return { kind: "provision-apply", subject, describe: `apply the plan for ${env} (${files.join(", ")})` }
}

/** `:up NAME [--runtime local|docker] SERVICE...`: the change to confirm, or what is wrong. */
export const upMutation = (arg: string): Mutation | string => {
  const all = words(arg)
  const flag = all.indexOf("--runtime")
  const runtime = flag === -1 ? undefined : all[flag + 1]
  if (flag !== -1 && runtime !== "local" && runtime !== "docker") return "--runtime is local or docker"
  const [name, ...services] = flag === -1 ? all : [...all.slice(0, flag), ...all.slice(flag + 2)]
  if (name === undefined || services.length === 0) return "what to bring up? write :up NAME SERVICE... (refs or names; add --runtime docker to run their images)"
  const badName = EnvironmentName.validate(name)
  if (badName !== undefined) return badName
  const on = runtime === undefined ? "" : ` on ${runtime}`
  return {
    kind: "env-up",
    subject: [name, ...(runtime === undefined ? [] : ["--runtime", runtime]), ...services].join(" "),
    describe: `bring up environment ${name}${on} with ${services.join(", ")}`
  }
}
