// The service of the runtime bench: no dependencies, so the same file runs as a local process
// and in a FROM-scratch node container. Answers /healthz once its database (if any) accepts a
// TCP connection at the address the runtime gave it.
import * as http from "node:http"
import * as net from "node:net"

const reach = () => new Promise((resolve) => {
  if (!process.env.DATABASE_URL) return resolve(true)
  const db = new URL(process.env.DATABASE_URL)
  const socket = net.connect(Number(db.port), db.hostname)
  socket.once("connect", () => (socket.destroy(), resolve(true)))
  socket.once("error", () => resolve(false))
})
const server = http.createServer(async (req, res) => {
  res.writeHead(req.url === "/healthz" && (await reach()) ? 200 : 503)
  res.end()
})
server.listen(Number(process.env.PORT), process.env.HOST ?? "0.0.0.0")
process.on("SIGTERM", () => server.close(() => process.exit(0)))
