/**
 * Attack of the security review (defect 6): `rabbitmqctl add_user NAME PASSWORD` put the password
 * on a command line, which every local user reads from /proc/PID/cmdline. While a real apply runs
 * (one new user, one existing user whose password is changed), every process's command line is
 * read every few milliseconds; none may hold a password, and the watcher must have seen the
 * rabbitmqctl calls themselves.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { PhysicalName, Provision, Request } from "@paved/provision"
import { Redacted } from "effect"
import amqp from "amqplib"
import { execFile, execFileSync } from "node:child_process"
import * as fs from "node:fs"
import { serverAvailable } from "../../../testing/servers.js"
import { makeRuntime, unique } from "./fixtures.js"

const tags = { owner: "group:default/team", system: "shop", "cost-centre": "cc-1" }
const target = (env: string): Provision.Target => ({
  env,
  envType: "development",
  requests: [Request.make({ key: "web.mq", type: "amqp", tags })]
})

// Every process's argument list, as any local user can read it.
const commandLines = (): Array<string> => {
  const out: Array<string> = []
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue
    try {
      const line = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim()
      if (line.length > 0) out.push(line)
    } catch {
      // The process ended between readdir and read.
    }
  }
  return out
}

describe.runIf(serverAvailable("rabbitmq"))("RabbitMQ passwords never appear in a process's arguments", () => {
  const rt = makeRuntime()
  const [envNew, envExisting] = [unique("a"), unique("b")]
  afterAll(async () => {
    await rt.run(Provision.destroy(envNew)).catch(() => undefined)
    await rt.run(Provision.destroy(envExisting)).catch(() => undefined)
    await rt.dispose()
  })

  it("add_user and change_password get the password on stdin while /proc is watched", async () => {
    // The second environment's user already exists (a resumed or re-created resource), so its
    // apply takes the change_password path.
    const existing = PhysicalName.make(envExisting, "web.mq")
    await new Promise<void>((resolve, reject) => {
      const child = execFile("rabbitmqctl", ["--silent", "add_user", existing], { timeout: 60_000 }, (e) => (e ? reject(e) : resolve()))
      child.stdin!.end("placeholder-password")
    })
    const seen = new Set<string>()
    const watcher = setInterval(() => {
      for (const line of commandLines()) if (/add_user|change_password/.test(line)) seen.add(line)
    }, 5)
    let outputs: Array<Provision.ApplyResult["outputs"][string]>
    try {
      outputs = [
        (await rt.run(Provision.apply(target(envNew)))).outputs["web.mq"]!,
        (await rt.run(Provision.apply(target(envExisting)))).outputs["web.mq"]!
      ]
    } finally {
      clearInterval(watcher)
    }
    const lines = [...seen]
    expect(lines.some((l) => l.includes(`add_user ${String(outputs[0]!["username"])}`)), lines.join("\n")).toBe(true)
    expect(lines.some((l) => l.includes(`change_password ${existing}`)), lines.join("\n")).toBe(true)
    for (const o of outputs) {
      const password = Redacted.value(o["password"] as Redacted.Redacted<string>)
      expect(lines.filter((l) => l.includes(password))).toEqual([])
      // The password that went through stdin is the one the broker checks.
      const connection = await amqp.connect(Redacted.value(o["url"] as Redacted.Redacted<string>))
      await connection.close()
    }
    expect(execFileSync("rabbitmqctl", ["--silent", "list_users"], { encoding: "utf8" })).toContain(existing)
  }, 180_000)
})
