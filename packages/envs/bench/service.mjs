// The service every bench workload runs: connects to its database when it has one (creating a
// table, as a real service's migration would), then answers /healthz on $PORT.
import { createServer } from "node:http"
import pg from "pg"

const pool = process.env.DATABASE_URL ? new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 }) : undefined
if (pool) await pool.query("create table if not exists items (id serial primary key, name text)")
const server = createServer((req, res) => {
  res.writeHead(req.url === "/healthz" ? 200 : 404, { "content-type": "text/plain" })
  res.end("ok")
})
server.listen(Number(process.env.PORT), "127.0.0.1")
const stop = () => server.close(() => Promise.resolve(pool?.end()).finally(() => process.exit(0)))
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
