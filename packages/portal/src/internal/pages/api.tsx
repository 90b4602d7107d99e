/**
 * API definitions: OpenAPI and AsyncAPI as a readable reference (operations, parameters,
 * request bodies, responses, messages, schemas); anything else, or a definition that does not
 * parse, as highlighted text. Every value is text in React elements, so a definition cannot
 * inject markup.
 */
import type { ReactNode } from "react"
import * as Yaml from "yaml"

type Obj = Readonly<Record<string, unknown>>
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v)
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined)
const entries = (v: unknown): Array<[string, unknown]> => (isObj(v) ? Object.entries(v) : [])

const MAX_DEFINITION = 512 * 1024
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

/** A one-line summary of a JSON schema: `$ref` name, type, array item type. */
const schemaSummary = (schema: unknown): string => {
  if (!isObj(schema)) return ""
  const ref = text(schema.$ref)
  if (ref !== undefined) return ref.split("/").pop() ?? ref
  const type = text(schema.type)
  if (type === "array") return `array of ${schemaSummary(schema.items) || "any"}`
  const format = text(schema.format)
  const oneOf = Array.isArray(schema.oneOf) ? schema.oneOf : Array.isArray(schema.anyOf) ? schema.anyOf : undefined
  if (oneOf !== undefined) return oneOf.map(schemaSummary).join(" | ")
  return `${type ?? (isObj(schema.properties) ? "object" : "any")}${format === undefined ? "" : ` (${format})`}`
}

const Properties = (props: { readonly schema: unknown }) => {
  if (!isObj(props.schema) || !isObj(props.schema.properties)) return null
  const required = new Set(Array.isArray(props.schema.required) ? props.schema.required.map(String) : [])
  return (
    <div className="table-wrap">
      <table>
        <thead><tr><th scope="col">Field</th><th scope="col">Type</th><th scope="col">Required</th><th scope="col">Description</th></tr></thead>
        <tbody>
          {entries(props.schema.properties).map(([name, s]) => (
            <tr key={name}>
              <td><code>{name}</code></td>
              <td>{schemaSummary(s)}</td>
              <td>{required.has(name) ? "yes" : ""}</td>
              <td>{isObj(s) ? text(s.description) ?? "" : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

const Info = (props: { readonly doc: Obj; readonly spec: string }) => {
  const info = isObj(props.doc.info) ? props.doc.info : {}
  return (
    <>
      <p>
        <strong>{text(info.title) ?? "Untitled"}</strong> {text(info.version) === undefined ? null : <span className="badge">version {text(info.version)}</span>}
        <span className="badge">{props.spec}</span>
      </p>
      {text(info.description) === undefined ? null : <p>{text(info.description)}</p>}
    </>
  )
}

const OpenApi = (props: { readonly doc: Obj }) => {
  const { doc } = props
  const servers = Array.isArray(doc.servers) ? doc.servers.filter(isObj) : []
  const ops: Array<ReactNode> = []
  for (const [path, item] of entries(doc.paths)) {
    for (const method of METHODS) {
      const op = isObj(item) ? item[method] : undefined
      if (!isObj(op)) continue
      const params = [...(isObj(item) && Array.isArray(item.parameters) ? item.parameters : []), ...(Array.isArray(op.parameters) ? op.parameters : [])].filter(isObj)
      const body = isObj(op.requestBody) ? op.requestBody : undefined
      ops.push(
        <section className="op" key={`${method} ${path}`} aria-label={`${method.toUpperCase()} ${path}`}>
          <h4><span className="method">{method}</span><code>{path}</code></h4>
          {text(op.summary) === undefined ? null : <p>{text(op.summary)}</p>}
          {text(op.description) === undefined ? null : <p className="muted">{text(op.description)}</p>}
          {params.length === 0 ? null : (
            <div className="table-wrap">
              <table>
                <caption className="muted">Parameters</caption>
                <thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Type</th><th scope="col">Required</th><th scope="col">Description</th></tr></thead>
                <tbody>
                  {params.map((p, i) => (
                    <tr key={i}>
                      <td><code>{text(p.name) ?? text(p.$ref) ?? ""}</code></td>
                      <td>{text(p.in) ?? ""}</td>
                      <td>{schemaSummary(p.schema)}</td>
                      <td>{p.required === true ? "yes" : ""}</td>
                      <td>{text(p.description) ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {body === undefined ? null : (
            <p>Request body: {entries(body.content).map(([type, media]) => `${type}: ${isObj(media) ? schemaSummary(media.schema) : ""}`).join("; ")}</p>
          )}
          {entries(op.responses).length === 0 ? null : (
            <ul>
              {entries(op.responses).map(([code, r]) => (
                <li key={code}>
                  <code>{code}</code> {isObj(r) ? text(r.description) ?? "" : ""}
                  {isObj(r) && isObj(r.content) ? ` (${entries(r.content).map(([t, m]) => `${t}: ${isObj(m) ? schemaSummary(m.schema) : ""}`).join("; ")})` : ""}
                </li>
              ))}
            </ul>
          )}
        </section>
      )
    }
  }
  const schemas = entries(isObj(doc.components) ? doc.components.schemas : isObj(doc.definitions) ? doc.definitions : undefined)
  return (
    <>
      <Info doc={doc} spec={`OpenAPI ${text(doc.openapi) ?? text(doc.swagger) ?? ""}`} />
      {servers.length === 0 ? null : <p>Servers: {servers.map((s) => text(s.url) ?? "").join(", ")}</p>}
      <h3>Operations</h3>
      {ops.length === 0 ? <p className="muted">The definition declares no operations.</p> : ops}
      {schemas.length === 0 ? null : (
        <>
          <h3>Schemas</h3>
          {schemas.map(([name, s]) => (
            <section key={name} aria-label={`Schema ${name}`}>
              <h4><code>{name}</code> <span className="muted">{schemaSummary(s)}</span></h4>
              {isObj(s) && text(s.description) !== undefined ? <p>{text(s.description)}</p> : null}
              <Properties schema={s} />
            </section>
          ))}
        </>
      )}
    </>
  )
}

const Message = (props: { readonly message: unknown }) => {
  if (!isObj(props.message)) return null
  const m = props.message
  const list = Array.isArray(m.oneOf) ? m.oneOf : [m]
  return (
    <>
      {list.filter(isObj).map((msg, i) => (
        <div key={i}>
          <p>Message <code>{text(msg.name) ?? text(msg.$ref)?.split("/").pop() ?? "(unnamed)"}</code>{text(msg.summary) === undefined ? "" : `: ${text(msg.summary)}`}</p>
          {msg.payload === undefined ? null : <p>Payload: {schemaSummary(msg.payload)}</p>}
          <Properties schema={msg.payload} />
        </div>
      ))}
    </>
  )
}

const AsyncApi = (props: { readonly doc: Obj }) => {
  const { doc } = props
  const channels = entries(doc.channels)
  const operations = entries(doc.operations)
  return (
    <>
      <Info doc={doc} spec={`AsyncAPI ${text(doc.asyncapi) ?? ""}`} />
      <h3>Channels</h3>
      {channels.length === 0 ? <p className="muted">The definition declares no channels.</p> : null}
      {channels.map(([name, ch]) => (
        <section className="op" key={name} aria-label={`Channel ${name}`}>
          <h4><code>{isObj(ch) ? text(ch.address) ?? name : name}</code></h4>
          {isObj(ch) && text(ch.description) !== undefined ? <p>{text(ch.description)}</p> : null}
          {(["publish", "subscribe"] as const).map((action) => {
            const op = isObj(ch) ? ch[action] : undefined
            if (!isObj(op)) return null
            return (
              <div key={action}>
                <p><span className="method">{action}</span>{text(op.summary) ?? ""}</p>
                <Message message={op.message} />
              </div>
            )
          })}
          {isObj(ch) && isObj(ch.messages) ? entries(ch.messages).map(([k, m]) => <Message key={k} message={isObj(m) ? { name: k, ...m } : m} />) : null}
        </section>
      ))}
      {operations.length === 0 ? null : (
        <>
          <h3>Operations</h3>
          <ul>
            {operations.map(([name, op]) => (
              <li key={name}>
                <code>{name}</code>: {isObj(op) ? `${text(op.action) ?? ""} ${isObj(op.channel) ? (text(op.channel.$ref) ?? "").split("/").pop() : ""}` : ""}
                {isObj(op) && text(op.summary) !== undefined ? ` (${text(op.summary)})` : ""}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  )
}

const TOKEN = /(#[^\n]*|\/\/[^\n]*)|("(?:[^"\\\n]|\\.)*"\s*:|^[ \t]*-?[ \t]*[\w$.@/-]+[ \t]*:(?=\s|$))|("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(\b-?\d+(?:\.\d+)?\b)/gm

/** Highlighted text: comments, keys, strings and numbers in spans (text only, never markup). */
export const Highlighted = (props: { readonly source: string }) => {
  const out: Array<ReactNode> = []
  let last = 0
  let n = 0
  for (const m of props.source.matchAll(TOKEN)) {
    const at = m.index ?? 0
    if (at > last) out.push(props.source.slice(last, at))
    const cls = m[1] !== undefined ? "hl-com" : m[2] !== undefined ? "hl-key" : m[3] !== undefined ? "hl-str" : "hl-num"
    out.push(<span key={n++} className={cls}>{m[0]}</span>)
    last = at + m[0].length
  }
  if (last < props.source.length) out.push(props.source.slice(last))
  return <pre tabIndex={0} aria-label="Definition source"><code>{out}</code></pre>
}

/** An API entity's definition, rendered for its `spec.type`. */
export const ApiDefinition = (props: { readonly type: string | undefined; readonly definition: unknown }) => {
  const raw = props.definition
  const source = typeof raw === "string" ? raw : raw === undefined ? "" : JSON.stringify(raw, null, 2)
  if (source.length === 0) return <p className="muted">The API declares no definition.</p>
  if (source.length > MAX_DEFINITION) return <p className="muted">The definition is {source.length} characters, more than the portal renders; read it in the repository.</p>
  const type = (props.type ?? "").toLowerCase()
  if (type === "openapi" || type === "asyncapi") {
    let doc: unknown
    let error: string | undefined
    try {
      doc = typeof raw === "string" ? Yaml.parse(raw, { maxAliasCount: 100 }) : raw
    } catch (e) {
      error = e instanceof Error ? e.message : String(e)
    }
    if (isObj(doc)) {
      return (
        <>
          {type === "openapi" ? <OpenApi doc={doc} /> : <AsyncApi doc={doc} />}
          <details>
            <summary>Definition source</summary>
            <Highlighted source={source} />
          </details>
        </>
      )
    }
    return (
      <>
        <p className="finding">The {type} definition does not parse{error === undefined ? "" : `: ${error}`}; shown as text.</p>
        <Highlighted source={source} />
      </>
    )
  }
  return <Highlighted source={source} />
}
