/**
 * The site-wide pages: the catalog (every entity, with search and facets when JavaScript
 * runs), the teams, the scorecard campaign (levels now and over time, per team) and what
 * changed (the store's history).
 */
import type { ReactNode } from "react"
import { isUnavailable } from "../../Site.js"
import { entityPath } from "../href.js"
import type { Model } from "../model.js"
import { titleOf } from "../model.js"
import { EntityLink, Layout, Missing, Table, Time } from "./common.js"

/** What needs attention across the catalog, as short lines with a link. */
const attention = (model: Model): Array<{ readonly ref: string; readonly text: string }> => {
  const out: Array<{ ref: string; text: string }> = []
  for (const f of model.data.ownership.findings) out.push({ ref: f.ref, text: `ownership: ${f.message}` })
  if (!isUnavailable(model.data.golden)) {
    for (const [ref, g] of model.data.golden) {
      if (!g.currency.upToDate) out.push({ ref, text: `behind its template: on ${g.currency.template} ${g.currency.version}, latest ${g.currency.latest}` })
    }
  }
  if (!isUnavailable(model.data.observe)) {
    for (const e of model.data.observe.drift.undeclared) {
      out.push({ ref: e.sourceRef, text: `undeclared dependency: calls ${e.targetRef || e.target} (${e.calls} calls seen in traces)` })
    }
  }
  return out
}

/** The catalog page. */
export const CatalogPage = (props: { readonly model: Model }) => {
  const { model } = props
  const byKind = new Map<string, number>()
  for (const e of model.data.entities) byKind.set(e.entity.kind, (byKind.get(e.entity.kind) ?? 0) + 1)
  const issues = attention(model)
  return (
    <Layout root="" path="index.html" title="Catalog" generatedAt={model.data.generatedAt} scripts={["assets/search-index.js", "assets/search.js"]}>
      <h1>Catalog</h1>
      <p>
        {model.data.entities.length} entities:{" "}
        {[...byKind].sort().map(([kind, n]) => <span key={kind} className="badge">{kind} {n}</span>)}
      </p>
      {issues.length === 0 ? null : (
        <section aria-labelledby="attention">
          <h2 id="attention">Needs attention ({issues.length})</h2>
          <ul>
            {issues.slice(0, 50).map((i, n) => (
              <li key={n}><EntityLink model={model} root="" entityRef={i.ref} />: {i.text}</li>
            ))}
          </ul>
          {issues.length > 50 ? <p className="muted">and {issues.length - 50} more on the entity and team pages</p> : null}
        </section>
      )}
      <h2 id="entities">Entities</h2>
      <noscript><p className="muted">Search and facets need JavaScript; every entity is listed below.</p></noscript>
      <div className="layout">
        <aside aria-label="Facets" id="facets" hidden></aside>
        <div>
          <form id="search" className="search" role="search" hidden>
            <label htmlFor="q">Search names, titles and descriptions (press / to focus)</label>
            <input id="q" name="q" type="search" autoComplete="off" />
          </form>
          <p id="count" role="status" aria-live="polite">{model.data.entities.length} entities</p>
          <Table bodyId="rows" head={["Name", "Kind", "Owner", "Lifecycle", "System", "Description"]}>
            {model.data.entities.map((stored) => {
              const f = model.facets(stored)
              const d = typeof stored.entity.metadata.description === "string" ? stored.entity.metadata.description : ""
              return (
                <tr key={stored.ref}>
                  <td><a href={entityPath(stored.ref)}>{titleOf(stored.entity)}</a></td>
                  <td>{f.kind}</td>
                  <td>{f.owner ?? ""}</td>
                  <td>{f.lifecycle ?? ""}</td>
                  <td>{f.system ?? ""}</td>
                  <td>{d.length > 140 ? d.slice(0, 139) + "…" : d}</td>
                </tr>
              )
            })}
          </Table>
          <p><button type="button" id="more" hidden>Show more</button></p>
        </div>
      </div>
    </Layout>
  )
}

/** The teams page: every group, what it owns, its findings and points. */
export const TeamsPage = (props: { readonly model: Model }) => {
  const { model } = props
  return (
    <Layout root="" path="teams.html" title="Teams" generatedAt={model.data.generatedAt}>
      <h1>Teams</h1>
      <Table head={["Team", "Owns", "Ownership findings", "Scorecard points", "Failing rules"]}>
        {model.groups.map((ref) => {
          const owned = model.owned(ref)
          const findings = owned.filter((o) => model.finding(o) !== undefined).length
          const summary = model.ownerSummary(ref)
          return (
            <tr key={ref}>
              <td><EntityLink model={model} root="" entityRef={ref} /></td>
              <td>{owned.length}</td>
              <td>{findings}</td>
              <td>{summary === undefined ? "" : `${summary.points}/${summary.maxPoints}`}</td>
              <td>{summary?.failing ?? ""}</td>
            </tr>
          )
        })}
      </Table>
      {model.data.ownership.findings.some((f) => f.owner !== null && !model.byRef.has(f.owner)) ? (
        <>
          <h2>Owners that are not in the catalog</h2>
          <ul>
            {[...new Set(model.data.ownership.findings.filter((f) => f.owner !== null && !model.byRef.has(f.owner)).map((f) => f.owner!))].map((o) => (
              <li key={o}><code>{o}</code>: {model.data.ownership.findings.filter((f) => f.owner === o).map((f) => f.ref).join(", ")}</li>
            ))}
          </ul>
        </>
      ) : null}
    </Layout>
  )
}

const levelCounts = (levels: ReadonlyArray<string>, counts: Readonly<Record<string, number>>) =>
  [...levels, "none"].map((l) => `${l} ${counts[l] ?? 0}`).join(" · ")

/** The scorecard campaign page: levels per team now, and per recorded run. */
export const CampaignPage = (props: { readonly model: Model }) => {
  const { model } = props
  const report = model.data.scorecard
  const history = model.data.scoreHistory
  let overTime: ReactNode
  if (isUnavailable(history)) overTime = <Missing reason={history.reason} />
  else if (history.runs.length === 0) overTime = <Missing reason="no scorecard runs are recorded yet: run paved score to record one" />
  else {
    const runs = [...history.runs].sort((a, b) => a.evaluatedAt.localeCompare(b.evaluatedAt)).slice(-12)
    const runIds = new Set(runs.map((r) => r.id))
    // counts[owner][runId][level]
    const counts = new Map<string, Map<string, Record<string, number>>>()
    for (const [ref, points] of history.byEntity) {
      const owner = model.byRef.get(ref)?.owner ?? "(no owner)"
      for (const p of points) {
        if (!runIds.has(p.runId)) continue
        const perOwner = counts.get(owner) ?? new Map<string, Record<string, number>>()
        counts.set(owner, perOwner)
        const perRun = perOwner.get(p.runId) ?? {}
        perOwner.set(p.runId, perRun)
        const level = p.level ?? "none"
        perRun[level] = (perRun[level] ?? 0) + 1
      }
    }
    overTime = (
      <Table caption="Entities at each level, per team and run (oldest run first)" head={["Team", ...runs.map((r) => r.evaluatedAt.slice(0, 16).replace("T", " "))]}>
        {[...counts].sort(([a], [b]) => a.localeCompare(b)).map(([owner, perOwner]) => (
          <tr key={owner}>
            <th scope="row">{model.byRef.has(owner) ? <EntityLink model={model} root="" entityRef={owner} /> : owner}</th>
            {runs.map((r) => <td key={r.id}>{perOwner.has(r.id) ? levelCounts(report.levels, perOwner.get(r.id)!) : ""}</td>)}
          </tr>
        ))}
      </Table>
    )
  }
  return (
    <Layout root="" path="scorecards.html" title="Scorecards" generatedAt={model.data.generatedAt}>
      <h1>Scorecard campaign: {report.scorecard}</h1>
      <p>Levels, lowest first: {report.levels.join(", ")}. {report.entities.length} entities scored at <Time iso={report.evaluatedAt} />.</p>
      <h2>Now, per team</h2>
      <Table head={["Team", "Entities", ...report.levels, "below the first level", "Points", "Failing", "Unknown"]}>
        {report.owners.map((o) => (
          <tr key={o.owner}>
            <th scope="row">{model.byRef.has(o.owner) ? <EntityLink model={model} root="" entityRef={o.owner} /> : o.owner}</th>
            <td>{o.entities}</td>
            {report.levels.map((l) => <td key={l}>{o.levels[l] ?? 0}</td>)}
            <td>{o.levels["none"] ?? 0}</td>
            <td>{o.points}/{o.maxPoints}</td>
            <td>{o.failing}</td>
            <td>{o.unknown}</td>
          </tr>
        ))}
      </Table>
      <h2>Over time</h2>
      {overTime}
    </Layout>
  )
}

/** The "what changed" page: the store's history, newest first. */
export const ChangesPage = (props: { readonly model: Model }) => {
  const { model } = props
  return (
    <Layout root="" path="changes.html" title="What changed" generatedAt={model.data.generatedAt}>
      <h1>What changed</h1>
      {model.data.history.length === 0 ? <Missing reason="the store has recorded no changes yet" /> : (
        <Table caption={`The latest ${model.data.history.length} changes recorded by the catalog store`} head={["When", "Entity", "Change", "Detail", "Fields", "Owner"]}>
          {model.data.history.map((h) => (
            <tr key={h.id}>
              <td><Time iso={h.at} /></td>
              <td><EntityLink model={model} root="" entityRef={h.ref} full /></td>
              <td>{h.change}</td>
              <td>{h.detail}</td>
              <td>{h.paths.join(", ")}</td>
              <td>{h.ownerBefore !== h.ownerAfter ? `${h.ownerBefore ?? "none"} → ${h.ownerAfter ?? "none"}` : ""}</td>
            </tr>
          ))}
        </Table>
      )}
    </Layout>
  )
}
