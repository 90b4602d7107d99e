// The small amount of plumbing the three demo services share: JSON responses, the health
// endpoint, a PostgreSQL pool from DATABASE_URL, and a clean shutdown on SIGTERM.
import { createServer } from "node:http"
import pg from "pg"
import { shutdownTelemetry, traced, tracedQuery } from "./telemetry.mjs"

/** Sends a JSON body. */
export const json = (res, status, body) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify(body))
}

/** Reads a JSON request body (at most 64 KiB). */
export const readJson = async (req) => {
  let body = ""
  for await (const chunk of req) {
    body += chunk
    if (body.length > 65_536) throw new Error("request body too large")
  }
  return body.length === 0 ? {} : JSON.parse(body)
}

/**
 * Starts a service: connects to its database, runs `setup`, serves `routes` on $PORT. Handlers
 * get `db.query(text, params)`, which traces every query.
 */
export const serve = async ({ name, setup, routes }) => {
  const url = process.env.DATABASE_URL
  if (!url) throw new Error(`${name}: DATABASE_URL is not set`)
  const pool = new pg.Pool({ connectionString: url, max: 4 })
  const db = { query: (text, params) => tracedQuery(pool, text, params) }
  await setup(pool)
  const server = createServer(traced(async (req, res) => {
    if (req.url === "/healthz") return json(res, 200, { ok: true, service: name })
    for (const [pattern, handler] of routes) {
      const match = pattern.exec(`${req.method} ${req.url.split("?")[0]}`)
      if (match) return handler({ req, res, db, params: match.groups ?? {} })
    }
    json(res, 404, { error: "not found" })
  }))
  const port = Number(process.env.PORT ?? 8080)
  // On this machine, loopback only. In a container (Paved's Docker runtime says so), every
  // interface of the container: other services reach it on the environment's network, and its
  // published port is bound to 127.0.0.1 on this machine.
  const host = process.env.HOST ?? (process.env.PAVED_RUNTIME === "docker" ? "0.0.0.0" : "127.0.0.1")
  server.listen(port, host, () => console.log(`${name} listening on http://${host}:${port}`))
  const stop = async () => {
    server.close()
    await Promise.allSettled([pool.end(), shutdownTelemetry()])
    process.exit(0)
  }
  process.on("SIGTERM", stop)
  process.on("SIGINT", stop)
}
