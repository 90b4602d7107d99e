/**
 * Test support: which local servers a suite can use, and running the built `paved` binary.
 *
 * A suite that needs a server calls `serverAvailable("postgresql")` at load time and gives the
 * result to `describe.runIf`. On a developer's machine without that server the suite is skipped
 * with a line saying which server is missing and how to start it; in CI (`PAVED_REQUIRE_SERVERS=1`)
 * a missing server fails the run instead, so a green CI always means the suite ran.
 */
import { execFileSync } from "node:child_process"

/** The servers the test suites use, on their standard local ports. */
export const servers = {
  postgresql: { port: 5432, start: "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start" },
  mariadb: { port: 3306, start: "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd" },
  redis: { port: 6379, start: "redis-server --daemonize yes --port 6379 --save ''" },
  rabbitmq: { port: 5672, start: "rabbitmq-server -detached" },
  nats: { port: 4222, start: "nats-server -a 127.0.0.1 -p 4222 -js" },
  // Not a TCP port: the Docker engine answers `docker info` on its socket (or DOCKER_HOST).
  docker: { port: 0, start: "dockerd > /var/log/dockerd.log 2>&1 &" }
} as const

/** A server name. */
export type ServerName = keyof typeof servers

const probe = (port: number): boolean => {
  try {
    execFileSync(process.execPath, [
      "-e",
      `const s=require("net").connect(${port},"127.0.0.1");s.on("connect",()=>process.exit(0));s.on("error",()=>process.exit(1));setTimeout(()=>process.exit(1),1000)`
    ], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

const dockerProbe = (): boolean => {
  try {
    execFileSync("docker", ["info", "--format", "{{.ServerVersion}}"], { stdio: "ignore", timeout: 10_000 })
    return true
  } catch {
    return false
  }
}

const seen = new Map<ServerName, boolean>()

/**
 * Whether the named server answers on 127.0.0.1. Throws when it does not and the environment
 * requires every server (CI); otherwise prints why the suite is skipped.
 */
export const serverAvailable = (name: ServerName): boolean => {
  const cached = seen.get(name)
  if (cached !== undefined) return cached
  const { port, start } = servers[name]
  const up = name === "docker" ? dockerProbe() : probe(port)
  seen.set(name, up)
  if (!up) {
    const why = name === "docker"
    ? `the Docker engine does not answer \`docker info\`; start it with: ${start}`
    : `${name} is not reachable on 127.0.0.1:${port}; start it with: ${start}`
    if (process.env.PAVED_REQUIRE_SERVERS === "1") throw new Error(`PAVED_REQUIRE_SERVERS=1 but ${why}`)
    console.warn(`[paved tests] skipping the ${name} suite: ${why}`)
  }
  return up
}

/** A fresh name for a database, vhost or prefix, so parallel suites never share state. */
export const uniqueName = (prefix: string): string =>
  `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
