/**
 * Reading a template's parameter `Schema.Struct` as prompts: each field's name, kind, choices,
 * default and description, straight from the schema's AST so the schema stays the one source.
 */
import * as Option from "effect/Option"
import * as SchemaAST from "effect/SchemaAST"

export type ParameterKind = "string" | "number" | "boolean" | "enum"

export interface ParameterInfo {
  readonly name: string
  readonly kind: ParameterKind
  readonly description: string
  readonly required: boolean
  readonly default?: string | number | boolean
  readonly choices?: ReadonlyArray<string>
  readonly pattern?: string
}

const withoutUndefined = (ast: SchemaAST.AST): SchemaAST.AST => {
  if (!SchemaAST.isUnion(ast)) return ast
  const members = ast.types.filter((t) => !SchemaAST.isUndefinedKeyword(t))
  return members.length === 1 ? members[0]! : SchemaAST.Union.make(members, ast.annotations)
}

const describeType = (ast: SchemaAST.AST): { kind: ParameterKind; choices?: ReadonlyArray<string>; description?: string; pattern?: string } => {
  const description = Option.getOrUndefined(SchemaAST.getDescriptionAnnotation(ast))
  const own = description === undefined ? {} : { description }
  if (SchemaAST.isRefinement(ast)) {
    const inner = describeType(ast.from)
    const jsonSchema = Option.getOrUndefined(SchemaAST.getJSONSchemaAnnotation(ast)) as { pattern?: unknown } | undefined
    const pattern = typeof jsonSchema?.pattern === "string" ? { pattern: jsonSchema.pattern } : {}
    return { ...inner, ...pattern, ...own }
  }
  if (SchemaAST.isTransformation(ast)) return { ...describeType(ast.to), ...own }
  if (SchemaAST.isNumberKeyword(ast)) return { kind: "number", ...own }
  if (SchemaAST.isBooleanKeyword(ast)) return { kind: "boolean", ...own }
  if (SchemaAST.isLiteral(ast)) return { kind: "enum", choices: [String(ast.literal)], ...own }
  if (SchemaAST.isUnion(ast) && ast.types.every(SchemaAST.isLiteral)) {
    return { kind: "enum", choices: ast.types.map((t) => String((t as SchemaAST.Literal).literal)), ...own }
  }
  return { kind: "string", ...own }
}

/** The parameters of a struct schema (with or without `optionalWith` defaults), in field order. */
export const describeParameters = (ast: SchemaAST.AST): ReadonlyArray<ParameterInfo> => {
  const defaults = new Map<PropertyKey, unknown>()
  let literal: SchemaAST.AST = ast
  if (SchemaAST.isTransformation(ast) && SchemaAST.isTypeLiteralTransformation(ast.transformation)) {
    for (const t of ast.transformation.propertySignatureTransformations) {
      const value = t.decode(Option.none())
      if (Option.isSome(value)) defaults.set(t.to, value.value)
    }
    literal = ast.from
  }
  if (!SchemaAST.isTypeLiteral(literal)) return []
  return literal.propertySignatures.map((ps): ParameterInfo => {
    const type = describeType(withoutUndefined(ps.type))
    const description = Option.getOrUndefined(SchemaAST.getDescriptionAnnotation(ps)) ?? type.description ?? ""
    const fallback = defaults.get(ps.name)
    const dflt = typeof fallback === "string" || typeof fallback === "number" || typeof fallback === "boolean"
      ? { default: fallback }
      : {}
    return {
      name: String(ps.name),
      kind: type.kind,
      description,
      required: !ps.isOptional,
      ...dflt,
      ...(type.choices === undefined ? {} : { choices: type.choices }),
      ...(type.pattern === undefined ? {} : { pattern: type.pattern })
    }
  })
}

/**
 * Turns a command-line string into the value a parameter expects (`8080` for a number, `true`
 * for a boolean); the schema decides afterwards whether the value is acceptable.
 */
export const coerce = (info: ParameterInfo | undefined, raw: string): unknown => {
  if (info === undefined) return raw
  if (info.kind === "number") {
    const n = Number(raw)
    return raw.trim() === "" || Number.isNaN(n) ? raw : n
  }
  if (info.kind === "boolean") {
    const v = raw.toLowerCase()
    return v === "true" || v === "yes" || v === "1" ? true : v === "false" || v === "no" || v === "0" ? false : raw
  }
  return raw
}
