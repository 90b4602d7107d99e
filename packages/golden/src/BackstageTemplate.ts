/**
 * Backstage interop: a Paved template as a Backstage `Template` entity
 * (`scaffolder.backstage.io/v1beta3`) so it shows up in the catalog, and the reverse, reading a
 * Backstage `Template` entity's metadata and parameters so `paved golden list` can show it.
 *
 * @since 0.1.0
 */
import type { Entity } from "@paved/catalog"
import { EntityRef } from "@paved/catalog"
import * as YAML from "yaml"
import * as BackstageAction from "./BackstageAction.js"
import * as Template from "./Template.js"

/**
 * The Backstage template API version.
 *
 * @since 0.1.0
 */
export const apiVersion = "scaffolder.backstage.io/v1beta3"

/**
 * A template as read from a Backstage entity: where it is in the catalog and what it asks for.
 *
 * @since 0.1.0
 */
export interface TemplateInfo {
  readonly ref: string
  readonly name: string
  readonly title: string
  readonly description: string
  readonly type: string
  readonly owner: string | undefined
  readonly version: string | undefined
  readonly parameters: ReadonlyArray<Template.Parameter>
}

const jsonType = (p: Template.Parameter): string => (p.kind === "enum" ? "string" : p.kind)

/**
 * The Backstage `Template` entity describing a Paved template version. Its form asks the
 * template's parameters (same defaults, descriptions, patterns) and where to publish; its steps
 * are `paved:golden:new` (shipped as {@link BackstageAction.goldenNew}, to register in the
 * scaffolder), then Backstage's built-in `publish:github` and `catalog:register`.
 *
 * @since 0.1.0
 */
export const toEntity = (template: Template.Template, options: { readonly owner?: string } = {}): Entity.Entity => ({
  apiVersion,
  kind: "Template",
  metadata: {
    name: template.name,
    title: template.title,
    description: template.description,
    tags: [...template.tags],
    annotations: { "paved.dev/template": template.name, "paved.dev/template-version": template.version }
  },
  spec: {
    type: "service",
    owner: options.owner ?? "group:default/platform-team",
    parameters: [{
      title: template.title,
      required: template.parameters.filter((p) => p.required).map((p) => p.name),
      properties: Object.fromEntries(template.parameters.map((p) => [p.name, {
        title: p.name,
        type: jsonType(p),
        description: p.description,
        ...(p.default === undefined ? {} : { default: p.default }),
        ...(p.choices === undefined ? {} : { enum: [...p.choices] }),
        ...(p.pattern === undefined ? {} : { pattern: p.pattern })
      }]))
    }, {
      title: "Repository",
      required: ["repoUrl"],
      properties: {
        repoUrl: {
          title: "Repository location",
          type: "string",
          description: "Where to publish the new service",
          "ui:field": "RepoUrlPicker",
          "ui:options": { allowedHosts: ["github.com"] }
        }
      }
    }],
    steps: [{
      id: "paved",
      name: "Generate with Paved",
      action: BackstageAction.id,
      // Every answer of the form; the template keeps its own parameters (repoUrl is not one).
      input: { template: template.name, version: template.version, values: "${{ parameters }}" }
    }, {
      id: "publish",
      name: "Publish",
      action: "publish:github",
      input: { repoUrl: "${{ parameters.repoUrl }}", description: template.description, defaultBranch: "main" }
    }, {
      id: "register",
      name: "Register in the catalog",
      action: "catalog:register",
      input: { repoContentsUrl: "${{ steps.publish.output.repoContentsUrl }}", catalogInfoPath: "/catalog-info.yaml" }
    }],
    output: {
      links: [
        { title: "Repository", url: "${{ steps.publish.output.remoteUrl }}" },
        { title: "Open in catalog", icon: "catalog", entityRef: "${{ steps.register.output.entityRef }}" }
      ]
    }
  }
})

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : {}

const parameterOf = (name: string, raw: unknown, required: boolean): Template.Parameter => {
  const p = asRecord(raw)
  const choices = Array.isArray(p.enum) ? p.enum.map(String) : undefined
  const kind = choices !== undefined ? "enum" : p.type === "number" || p.type === "integer" ? "number" : p.type === "boolean" ? "boolean" : "string"
  const dflt = p.default
  return {
    name,
    kind,
    description: typeof p.description === "string" ? p.description : typeof p.title === "string" ? p.title : "",
    required,
    ...(typeof dflt === "string" || typeof dflt === "number" || typeof dflt === "boolean" ? { default: dflt } : {}),
    ...(choices === undefined ? {} : { choices }),
    ...(typeof p.pattern === "string" ? { pattern: p.pattern } : {})
  }
}

/**
 * Whether an entity is a Backstage scaffolder template.
 *
 * @since 0.1.0
 */
export const isTemplateEntity = (entity: Entity.Entity): boolean =>
  entity.kind.toLowerCase() === "template" && entity.apiVersion.startsWith("scaffolder.backstage.io/")

/**
 * Reads a Backstage `Template` entity: name, title, description, type, owner, the Paved version
 * annotation when present, and the parameters of every form step (`spec.parameters` may be one
 * object or a list of steps).
 *
 * @since 0.1.0
 */
export const fromEntity = (entity: Entity.Entity): TemplateInfo => {
  const spec = entity.spec ?? {}
  const steps = Array.isArray(spec.parameters) ? spec.parameters : spec.parameters === undefined ? [] : [spec.parameters]
  const parameters = steps.flatMap((step) => {
    const s = asRecord(step)
    const required = new Set(Array.isArray(s.required) ? s.required.map(String) : [])
    return Object.entries(asRecord(s.properties)).map(([name, raw]) => parameterOf(name, raw, required.has(name)))
  })
  return {
    ref: EntityRef.of(entity),
    name: entity.metadata.name,
    title: entity.metadata.title ?? entity.metadata.name,
    description: entity.metadata.description ?? "",
    type: typeof spec.type === "string" ? spec.type : "",
    owner: typeof spec.owner === "string" ? spec.owner : undefined,
    version: entity.metadata.annotations?.["paved.dev/template-version"],
    parameters
  }
}

/**
 * A catalog file (multi-document YAML) with one `Template` entity per template name, for its
 * latest version, ready to commit next to the organisation's other catalog files.
 *
 * @since 0.1.0
 */
export const catalogFile = (templates: ReadonlyArray<Template.Template>, options: { readonly owner?: string } = {}): string => {
  const latest = new Map<string, Template.Template>()
  for (const t of templates) {
    const seen = latest.get(t.name)
    if (seen === undefined || Template.compareVersions(t.version, seen.version) > 0) latest.set(t.name, t)
  }
  return [...latest.values()].map((t) => YAML.stringify(toEntity(t, options), { lineWidth: 0 })).join("---\n")
}
