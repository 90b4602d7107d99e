/**
 * The Backstage scaffolder action that the `Template` entities of {@link BackstageTemplate} call:
 * `paved:golden:new` renders a Paved template into the scaffolder's workspace, exactly as
 * `paved golden new` does (same registry, same answers, same `.paved/template.json`), so a
 * service created from Backstage is checked and updated by Paved like any other.
 *
 * It is a plain action definition in the shape of `createTemplateAction`'s options (zod schema
 * functions, `handler(ctx)`), so Paved does not depend on Backstage. Register it in a backend
 * module:
 *
 * ```ts
 * import { createTemplateAction, scaffolderActionsExtensionPoint } from "@backstage/plugin-scaffolder-node"
 * import { BackstageAction } from "@paved/golden"
 *
 * // in createBackendModule({ pluginId: "scaffolder", moduleId: "paved", register(env) { ... } }):
 * scaffolder.addActions(createTemplateAction(BackstageAction.goldenNew()))
 * ```
 *
 * @since 0.2.0
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as path from "node:path"
import * as Scaffold from "./Scaffold.js"
import type * as Template from "./Template.js"
import * as TemplateRegistry from "./TemplateRegistry.js"

/**
 * The action's id, as the `Template` entities name it in their steps.
 *
 * @since 0.2.0
 */
export const id = "paved:golden:new"

/**
 * What a step passes to the action.
 *
 * @since 0.2.0
 */
export interface Input {
  /** The template's name. */
  readonly template: string
  /** The template's version; the latest when absent. */
  readonly version?: string | undefined
  /** The answers to the template's parameters. */
  readonly values: Readonly<Record<string, unknown>>
  /** Where in the workspace to write, relative to it; the workspace itself when absent. */
  readonly targetPath?: string | undefined
}

/**
 * The part of the scaffolder's `ActionContext` the action uses.
 *
 * @since 0.2.0
 */
export interface Context {
  readonly input: Input
  readonly workspacePath: string
  readonly logger: { readonly info: (message: string) => void }
  readonly output: (name: string, value: unknown) => void
}

/**
 * Backstage's zod instance, as `createTemplateAction` passes it to each schema function. Paved
 * does not depend on zod: the functions only call what zod 3 and 4 both have.
 *
 * @since 0.2.0
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Zod = any

/**
 * The action definition, in the shape `createTemplateAction` takes.
 *
 * @since 0.2.0
 */
export interface Action {
  readonly id: string
  readonly description: string
  readonly schema: {
    readonly input: Readonly<Record<keyof Input, (z: Zod) => Zod>>
    readonly output: Readonly<Record<"template" | "version" | "files", (z: Zod) => Zod>>
  }
  readonly handler: (ctx: Context) => Promise<void>
}

/**
 * Options of {@link goldenNew}.
 *
 * @since 0.2.0
 */
export interface Options {
  /** The templates to offer; the built-in ones when absent (`TemplateRegistry.builtin`). */
  readonly templates?: Iterable<Template.Template> | undefined
}

/**
 * The `paved:golden:new` action. The handler refuses a `targetPath` outside the workspace,
 * unknown templates or versions and answers the template's parameters reject, with the same
 * messages as `paved golden new`; it outputs `template`, `version` and the `files` written.
 *
 * @since 0.2.0
 */
export const goldenNew = (options: Options = {}): Action => ({
  id,
  description: "Generates a service from a Paved golden-path template (the same files as paved golden new)",
  schema: {
    input: {
      template: (z) => z.string().describe("The Paved template's name"),
      version: (z) => z.string().optional().describe("The template's version (the latest when absent)"),
      values: (z) => z.record(z.string(), z.unknown()).describe("Answers to the template's parameters"),
      targetPath: (z) => z.string().optional().describe("Where in the workspace to write (the workspace when absent)")
    },
    output: {
      template: (z) => z.string(),
      version: (z) => z.string(),
      files: (z) => z.array(z.string())
    }
  },
  handler: async (ctx) => {
    const workspace = path.resolve(ctx.workspacePath)
    const out = path.resolve(workspace, ctx.input.targetPath ?? ".")
    if (out !== workspace && !out.startsWith(workspace + path.sep)) {
      throw new Error(`targetPath ${JSON.stringify(ctx.input.targetPath)} is outside the workspace`)
    }
    const program = Effect.gen(function*() {
      const registry = yield* TemplateRegistry.TemplateRegistry
      const template = ctx.input.version === undefined
        ? yield* registry.latest(ctx.input.template)
        : yield* registry.get(ctx.input.template, ctx.input.version)
      ctx.logger.info(`Generating ${template.name} ${template.version} into ${path.relative(workspace, out) || "."}`)
      return yield* Scaffold.generate({ template, answers: ctx.input.values, out })
    })
    const registry = TemplateRegistry.layer(options.templates ?? TemplateRegistry.builtin)
    const exit = await Effect.runPromiseExit(program.pipe(Effect.provide(Layer.merge(registry, NodeContext.layer))))
    if (Exit.isFailure(exit)) {
      const failure = Cause.squash(exit.cause)
      throw new Error(failure instanceof Error ? failure.message : String(failure))
    }
    const generated = exit.value
    ctx.output("template", generated.template)
    ctx.output("version", generated.version)
    ctx.output("files", generated.files)
  }
})
