/**
 * A fast "is this valid?" predicate compiled once from a schema's AST. It understands the
 * shapes the entity schemas use (structs, records, arrays, strings, literals, unions,
 * refinements) and calls each refinement's own predicate, so the schema stays the single
 * description of the rules. Anything it does not understand falls back to `Schema.is` for that
 * subtree. It may be stricter than the schema, never looser: a `false` is always confirmed by
 * the full decode, which also says why.
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as AST from "effect/SchemaAST"

type Check = (u: unknown) => boolean

const parseOptions: AST.ParseOptions = {}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

export const compile = (ast: AST.AST): Check => {
  switch (ast._tag) {
    case "StringKeyword":
      return (u) => typeof u === "string"
    case "NumberKeyword":
      return (u) => typeof u === "number" && !Number.isNaN(u)
    case "BooleanKeyword":
      return (u) => typeof u === "boolean"
    case "UndefinedKeyword":
      return (u) => u === undefined
    case "UnknownKeyword":
    case "AnyKeyword":
      return () => true
    case "Literal": {
      const literal = ast.literal
      return (u) => u === literal
    }
    case "Union": {
      const members = ast.types.map(compile)
      return (u) => members.some((m) => m(u))
    }
    case "Refinement": {
      const from = compile(ast.from)
      const filter = ast.filter
      return (u) => from(u) && Option.isNone(filter(u, parseOptions, ast))
    }
    case "TupleType": {
      if (ast.elements.length > 0 || ast.rest.length !== 1) break
      const item = compile(ast.rest[0]!.type)
      return (u) => {
        if (!Array.isArray(u)) return false
        for (let i = 0; i < u.length; i++) if (!item(u[i])) return false
        return true
      }
    }
    case "TypeLiteral": {
      const props = ast.propertySignatures.map((p) => ({
        name: p.name,
        optional: p.isOptional,
        check: compile(p.type)
      }))
      const indexes = ast.indexSignatures.map((s) => ({ key: compile(s.parameter), value: compile(s.type) }))
      return (u) => {
        if (!isObject(u)) return false
        for (let i = 0; i < props.length; i++) {
          const p = props[i]!
          const has = Object.prototype.hasOwnProperty.call(u, p.name)
          if (!has) {
            if (!p.optional) return false
            continue
          }
          if (!p.check(u[p.name as string])) return false
        }
        if (indexes.length > 0) {
          for (const key in u) {
            for (let i = 0; i < indexes.length; i++) {
              const s = indexes[i]!
              if (!s.key(key) || !s.value(u[key])) return false
            }
          }
        }
        return true
      }
    }
    default:
      break
  }
  return Schema.is(Schema.make(ast))
}
