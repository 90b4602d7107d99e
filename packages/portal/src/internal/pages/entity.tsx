/**
 * An entity's page: metadata and links, owner and the owner's health, relations both ways,
 * the dependency graph, problems with file and line, scorecard level with the failing rules
 * and their fixes, golden-path template and conformance, environments, and RED and recent
 * traces when telemetry exists. An API shows its definition; a group is a team page (what it
 * owns, its ownership findings, its scorecard summary).
 */
import type { CatalogStore } from "@paved/catalog"
import { OwnershipHealth, Relations as CatalogRelations } from "@paved/catalog"
import type { ReactNode } from "react"
import { isUnavailable } from "../../Site.js"
import { entityPath, rootOf } from "../href.js"
import type { Model } from "../model.js"
import { titleOf } from "../model.js"
import { ApiDefinition } from "./api.js"
import { EntityLink, ExternalLink, Layout, Missing, Table, Time } from "./common.js"
import { DependencyGraph } from "./graph.js"

const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined)

const Metadata = (props: { readonly model: Model; readonly root: string; readonly stored: CatalogStore.StoredEntity }) => {
  const { model, root, stored } = props
  const e = stored.entity
  const f = model.facets(stored)
  const rows: Array<[string, ReactNode]> = [
    ["Reference", <code>{stored.ref}</code>],
    ["Kind", e.kind],
    ["Type", f.type],
    ["Lifecycle", f.lifecycle],
    ["Namespace", e.metadata.namespace ?? "default"],
    ["System", f.system === undefined ? undefined : <EntityLink model={model} root={root} entityRef={model.outgoing(stored.ref).find((l) => l.type === "partOf")?.ref ?? f.system} />],
    ["Tags", f.tags.length === 0 ? undefined : f.tags.map((t) => <span key={t} className="badge">{t}</span>)],
    ["Source", stored.file.length === 0 ? undefined : <code>{stored.line === null ? stored.file : `${stored.file}:${stored.line}`}</code>],
    ["First seen", <Time iso={stored.firstSeen} />],
    ["Last changed", <Time iso={stored.lastChanged} />]
  ]
  const labels = Object.entries(e.metadata.labels ?? {})
  const annotations = Object.entries(e.metadata.annotations ?? {})
  return (
    <>
      <dl className="meta">
        {rows.filter(([, v]) => v !== undefined).map(([k, v]) => [<dt key={`t${k}`}>{k}</dt>, <dd key={`d${k}`}>{v}</dd>])}
      </dl>
      {labels.length === 0 && annotations.length === 0 ? null : (
        <details>
          <summary>Labels and annotations ({labels.length + annotations.length})</summary>
          <Table head={["Key", "Value"]}>
            {[...labels, ...annotations].map(([k, v]) => (
              <tr key={k}><td><code>{k}</code></td><td>{String(v)}</td></tr>
            ))}
          </Table>
        </details>
      )}
    </>
  )
}

const Links = (props: { readonly stored: CatalogStore.StoredEntity }) => {
  const links = props.stored.entity.metadata.links ?? []
  if (links.length === 0) return null
  return (
    <section aria-labelledby="links">
      <h2 id="links">Links</h2>
      <ul>
        {links.map((l, i) => <li key={i}><ExternalLink url={l.url}>{str(l.title) ?? l.url}</ExternalLink></li>)}
      </ul>
    </section>
  )
}

const Owner = (props: { readonly model: Model; readonly root: string; readonly stored: CatalogStore.StoredEntity }) => {
  const { model, root, stored } = props
  const finding = model.finding(stored.ref)
  const owner = stored.owner
  const summary = owner === null ? undefined : model.ownerSummary(owner)
  return (
    <section aria-labelledby="owner">
      <h2 id="owner">Owner</h2>
      {owner === null ? <p>No owner declared.</p> : <p>Owned by <EntityLink model={model} root={root} entityRef={owner} full={!model.byRef.has(owner)} />.</p>}
      {finding === undefined ? (owner === null ? null : <p className="ok">Ownership is healthy: the owner exists and has members.</p>) : (
        <div className="finding bad" role="note">
          <p><strong>Ownership problem ({finding.problem}):</strong> {finding.message}</p>
          {finding.suggestion === null ? <p>Fix: set spec.owner to an existing group.</p> : (
            <p>
              Fix: set spec.owner to <EntityLink model={model} root={root} entityRef={finding.suggestion.owner} full /> ({finding.suggestion.reason}).
            </p>
          )}
        </div>
      )}
      {summary === undefined ? null : (
        <p className="muted">The owner's scorecard: {summary.points}/{summary.maxPoints} points over {summary.entities} entities, {summary.failing} failing rules.</p>
      )}
    </section>
  )
}

const Relations = (props: { readonly model: Model; readonly root: string; readonly entityRef: string }) => {
  const { model, root, entityRef } = props
  const out = model.outgoing(entityRef)
  // The catalog stores each relation with its inverse on the other entity, so an incoming edge
  // whose inverse is already listed as outgoing says nothing new.
  const listed = new Set(out.map((l) => `${l.type} ${l.ref}`))
  const inc = model.incoming(entityRef).filter((l) => !listed.has(`${CatalogRelations.inverse(l.type) ?? ""} ${l.ref}`))
  return (
    <section aria-labelledby="relations">
      <h2 id="relations">Relations</h2>
      <DependencyGraph model={model} root={root} entityRef={entityRef} />
      {out.length === 0 && inc.length === 0 ? <p className="muted">No relations.</p> : (
        <div className="table-wrap">
          <table>
            <thead><tr><th scope="col">Direction</th><th scope="col">Relation</th><th scope="col">Entity</th></tr></thead>
            <tbody>
              {out.map((l, i) => <tr key={`o${i}`}><td>this →</td><td>{l.type}</td><td><EntityLink model={model} root={root} entityRef={l.ref} full /></td></tr>)}
              {inc.map((l, i) => <tr key={`i${i}`}><td>→ this</td><td>{l.type}</td><td><EntityLink model={model} root={root} entityRef={l.ref} full /></td></tr>)}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

const Problems = (props: { readonly stored: CatalogStore.StoredEntity }) => {
  const problems = props.stored.problems
  if (problems.length === 0 && !props.stored.orphan) return null
  return (
    <section aria-labelledby="problems">
      <h2 id="problems">Problems</h2>
      {props.stored.orphan ? <p className="finding">Orphaned: its location no longer declares it.</p> : null}
      <ul>
        {problems.map((p, i) => (
          <li key={i} className={p.severity === "error" ? "finding bad" : "finding"}>
            <code>{p.file === undefined ? props.stored.file : `${p.file}${p.line === undefined ? "" : `:${p.line}`}${p.column === undefined ? "" : `:${p.column}`}`}</code>{" "}
            <strong>{p.severity}</strong> <code>{p.rule}</code>: {p.message}
          </li>
        ))}
      </ul>
    </section>
  )
}

const ScoreSection = (props: { readonly model: Model; readonly entityRef: string }) => {
  const score = props.model.score(props.entityRef)
  if (score === undefined) return null
  const open = score.results.filter((r) => r.status !== "pass" && r.exempted === undefined)
  const passed = score.results.filter((r) => r.status === "pass" || r.exempted !== undefined)
  return (
    <section aria-labelledby="scorecard">
      <h2 id="scorecard">Scorecard</h2>
      <p>
        Level: <strong>{score.level ?? "below the first level"}</strong> · {score.points}/{score.maxPoints} points
        {score.nextLevel === null ? "" : ` · next: ${score.nextLevel}`}
      </p>
      {open.length === 0 ? <p className="ok">Every rule passes.</p> : (
        <Table caption="Rules to fix (failing or unknown)" head={["Rule", "Level", "Status", "How to fix"]}>
          {open.map((r) => (
            <tr key={r.rule}><td>{r.title}</td><td>{r.level}</td><td>{r.status}</td><td>{r.message}</td></tr>
          ))}
        </Table>
      )}
      {passed.length === 0 ? null : (
        <details>
          <summary>Passing or exempt rules ({passed.length})</summary>
          <ul>{passed.map((r) => <li key={r.rule}>{r.title}{r.exempted === undefined ? "" : ` (exempt: ${r.exempted.reason})`}</li>)}</ul>
        </details>
      )}
    </section>
  )
}

const Golden = (props: { readonly model: Model; readonly entityRef: string }) => {
  const golden = props.model.golden(props.entityRef)
  if (golden === undefined) return null
  const c = golden.currency
  const conf = golden.conformance
  return (
    <section aria-labelledby="golden">
      <h2 id="golden">Golden path</h2>
      <p>Template <code>{c.template}</code> at version <strong>{c.version}</strong>; the template's latest is {c.latest}.</p>
      {c.upToDate ? <p className="ok">Up to date with its template.</p> : (
        <div className="finding bad" role="note">
          <p><strong>Behind its template:</strong> on {c.template} {c.version}, the template is at {c.latest}.</p>
          <p>Fix: run <code>paved golden update</code> in the service's directory to merge {c.template} {c.latest}.</p>
        </div>
      )}
      {conf === undefined ? <p className="muted">Conformance is checked when the service's directory (with .paved/template.json) is on this machine.</p>
        : isUnavailable(conf) ? <Missing reason={conf.reason} />
        : conf.drift ? (
          <>
            <p className="finding">{conf.files.length} of {conf.ownedFiles} template-owned files differ from {conf.template} {conf.version}:</p>
            <ul>{conf.files.map((f) => <li key={f.path}><code>{f.path}</code> {f.status}</li>)}</ul>
          </>
        ) : <p className="ok">All {conf.ownedFiles} template-owned files match {conf.template} {conf.version}.</p>}
    </section>
  )
}

const Environments = (props: { readonly model: Model; readonly entityRef: string }) => {
  const envs = props.model.environments(props.entityRef)
  if (envs.length === 0) {
    return isUnavailable(props.model.data.environments) ? null : (
      <section aria-labelledby="environments"><h2 id="environments">Environments</h2><p className="muted">Not running in any recorded environment.</p></section>
    )
  }
  return (
    <section aria-labelledby="environments">
      <h2 id="environments">Environments</h2>
      <Table head={["Environment", "Type", "Status", "Mode", "Service status", "Version", "URL"]}>
        {envs.map(({ env, service }) => (
          <tr key={env.name}>
            <td>{env.name}</td><td>{env.type}</td><td>{env.status}</td><td>{service.mode}</td><td>{service.status}</td><td>{service.version ?? ""}</td>
            <td>{service.url === undefined ? "" : <ExternalLink url={service.url} />}</td>
          </tr>
        ))}
      </Table>
    </section>
  )
}

const ms = (n: number) => `${n.toFixed(n < 10 ? 1 : 0)} ms`

const Telemetry = (props: { readonly model: Model; readonly root: string; readonly entityRef: string }) => {
  const { model, root, entityRef } = props
  const observe = model.data.observe
  if (isUnavailable(observe)) return null
  const red = model.red(entityRef)
  const traces = model.traces(entityRef)
  const undeclared = model.undeclared(entityRef)
  const unobserved = model.unobserved(entityRef)
  if (red.length === 0 && traces.length === 0 && undeclared.length === 0 && unobserved.length === 0) return null
  return (
    <section aria-labelledby="telemetry">
      <h2 id="telemetry">Telemetry</h2>
      <p className="muted">From <Time iso={observe.window.from} /> to <Time iso={observe.window.until} />.</p>
      {undeclared.map((e, i) => (
        <div key={`u${i}`} className="finding bad" role="note">
          <p>
            <strong>Undeclared dependency:</strong> {e.calls} calls to{" "}
            {e.targetRef === "" ? <code>{e.target}</code> : <EntityLink model={model} root={root} entityRef={e.targetRef} full />} seen in traces ({e.via}), but the catalog does not declare it.
          </p>
          <p>Fix: add {e.targetRef || e.target} to spec.dependsOn (or its API to spec.consumesApis).</p>
        </div>
      ))}
      {unobserved.map((e, i) => (
        <p key={`n${i}`} className="finding">Declared in {e.relation} but no call seen: <EntityLink model={model} root={root} entityRef={e.targetRef} full />.</p>
      ))}
      {red.length === 0 ? null : (
        <Table caption="RED (entry spans)" head={["Service", "Requests", "Rate", "Errors", "p50", "p95", "p99"]}>
          {red.map((r, i) => (
            <tr key={i}>
              <td>{r.service}</td><td>{r.count}</td><td>{r.ratePerSecond.toFixed(2)}/s</td><td>{(r.errorRatio * 100).toFixed(1)}%</td>
              <td>{ms(r.p50Ms)}</td><td>{ms(r.p95Ms)}</td><td>{ms(r.p99Ms)}</td>
            </tr>
          ))}
        </Table>
      )}
      {traces.length === 0 ? null : (
        <Table caption="Recent traces" head={["Trace", "Root", "Started", "Duration", "Spans", "Errors", "Services"]}>
          {traces.map((t) => (
            <tr key={t.traceId}>
              <td><code>{t.traceId.slice(0, 16)}</code></td><td>{t.rootService}: {t.rootName}</td><td><Time iso={new Date(t.startUs / 1000).toISOString()} /></td>
              <td>{ms(t.durationUs / 1000)}</td><td>{t.spanCount}</td><td>{t.errorCount}</td><td>{t.services.join(", ")}</td>
            </tr>
          ))}
        </Table>
      )}
    </section>
  )
}

const Team = (props: { readonly model: Model; readonly root: string; readonly entityRef: string }) => {
  const { model, root, entityRef } = props
  const owned = model.owned(entityRef)
  const findings = model.data.ownership.findings.filter((f) => f.owner === entityRef || owned.includes(f.ref))
  const summary = model.ownerSummary(entityRef)
  const members = model.outgoing(entityRef).filter((l) => l.type === "hasMember")
  return (
    <>
      <section aria-labelledby="owns">
        <h2 id="owns">Owns ({owned.length})</h2>
        {owned.length === 0 ? <p className="muted">Owns nothing in the catalog.</p> : (
          <Table head={["Entity", "Kind", "Scorecard level", "Ownership"]}>
            {owned.map((ref) => (
              <tr key={ref}>
                <td><EntityLink model={model} root={root} entityRef={ref} /></td>
                <td>{model.byRef.get(ref)?.entity.kind ?? ""}</td>
                <td>{model.score(ref)?.level ?? (model.score(ref) === undefined ? "" : "below the first level")}</td>
                <td>{model.finding(ref)?.problem ?? "ok"}</td>
              </tr>
            ))}
          </Table>
        )}
      </section>
      <section aria-labelledby="findings">
        <h2 id="findings">Ownership findings ({findings.length})</h2>
        {findings.length === 0 ? <p className="ok">No ownership findings.</p> : (
          <ul>{findings.map((f) => <li key={f.ref} className="finding bad"><EntityLink model={model} root={root} entityRef={f.ref} full />: {f.message}</li>)}</ul>
        )}
      </section>
      <section aria-labelledby="team-score">
        <h2 id="team-score">Scorecard summary</h2>
        {summary === undefined ? <p className="muted">Nothing it owns is scored.</p> : (
          <p>
            {summary.entities} entities · {summary.points}/{summary.maxPoints} points · {summary.failing} failing and {summary.unknown} unknown results ·{" "}
            {Object.entries(summary.levels).map(([l, n]) => `${l} ${n}`).join(", ")}
          </p>
        )}
      </section>
      <section aria-labelledby="members">
        <h2 id="members">Members ({members.length})</h2>
        <ul>{members.map((m) => <li key={m.ref}><EntityLink model={model} root={root} entityRef={m.ref} /></li>)}</ul>
      </section>
    </>
  )
}

/** The page of one entity. */
export const EntityPage = (props: { readonly model: Model; readonly stored: CatalogStore.StoredEntity }) => {
  const { model, stored } = props
  const path = entityPath(stored.ref)
  const root = rootOf(path)
  const kind = stored.entity.kind.toLowerCase()
  const description = str(stored.entity.metadata.description)
  return (
    <Layout root={root} path={path} title={titleOf(stored.entity)} generatedAt={model.data.generatedAt}>
      <nav aria-label="Breadcrumb"><a href={`${root}index.html?kind=${encodeURIComponent(kind)}`}>{stored.entity.kind}</a> / {stored.ref}</nav>
      <h1>{titleOf(stored.entity)}</h1>
      {description === undefined ? null : <p>{description}</p>}
      <Metadata model={model} root={root} stored={stored} />
      <Links stored={stored} />
      {kind === "group" ? <Team model={model} root={root} entityRef={stored.ref} /> : OwnershipHealth.isOwnable(stored.entity) ? <Owner model={model} root={root} stored={stored} /> : null}
      <Problems stored={stored} />
      <ScoreSection model={model} entityRef={stored.ref} />
      <Golden model={model} entityRef={stored.ref} />
      <Telemetry model={model} root={root} entityRef={stored.ref} />
      <Environments model={model} entityRef={stored.ref} />
      {kind === "api" ? (
        <section aria-labelledby="definition">
          <h2 id="definition">Definition</h2>
          <ApiDefinition type={str(stored.entity.spec?.type)} definition={stored.entity.spec?.definition} />
        </section>
      ) : null}
      <Relations model={model} root={root} entityRef={stored.ref} />
    </Layout>
  )
}
