/**
 * Attack of the security review (defect 1): in a MariaDB/MySQL database-level GRANT, `_` and `%`
 * are LIKE wildcards, so the grant of environment `pr-1` also matched the database of `pr11`.
 * Both environments are provisioned on the real server; each user then tries to list, read and
 * drop the other's schema.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Provision, Request } from "@paved/provision"
import { Redacted } from "effect"
import * as mysql from "mysql2/promise"
import { serverAvailable } from "../../../testing/servers.js"
import { makeRuntime, unique } from "./fixtures.js"

const tags = { owner: "group:default/team", system: "shop", "cost-centre": "cc-1" }
const target = (env: string): Provision.Target => ({
  env,
  envType: "development",
  requests: [Request.make({ key: "web.my", type: "mysql", tags })]
})

const connect = (user: string, password: string, database?: string) =>
  mysql.createConnection({ host: "127.0.0.1", port: 3306, user, password, ...(database === undefined ? {} : { database }) })

describe.runIf(serverAvailable("mariadb"))("MariaDB grants do not reach another environment's schema", () => {
  const rt = makeRuntime()
  // `pr-1` and `pr11`, made unique: the first's name with `_` as a wildcard matches the second's.
  const base = unique("p")
  const [envA, envB] = [`${base}-1`, `${base}11`]
  afterAll(async () => {
    await rt.run(Provision.destroy(envA)).catch(() => undefined)
    await rt.run(Provision.destroy(envB)).catch(() => undefined)
    await rt.dispose()
  })

  it("pr-1 and pr11 cannot show, read or drop each other's tables", async () => {
    const a = (await rt.run(Provision.apply(target(envA)))).outputs["web.my"]!
    const b = (await rt.run(Provision.apply(target(envB)))).outputs["web.my"]!
    const [dbA, dbB] = [String(a["database"]), String(b["database"])]
    const root = await mysql.createConnection({ host: "127.0.0.1", port: 3306, user: "root" })
    try {
      for (const db of [dbA, dbB]) {
        await root.query(`CREATE TABLE \`${db}\`.customers (email TEXT)`)
        await root.query(`INSERT INTO \`${db}\`.customers VALUES ('bob@example.com')`)
      }
      for (const [me, other] of [[a, dbB], [b, dbA]] as const) {
        const c = await connect(String(me["username"]), Redacted.value(me["password"] as Redacted.Redacted<string>))
        try {
          const [shown] = await c.query("SHOW DATABASES")
          const names = (shown as Array<{ Database: string }>).map((r) => r.Database)
          expect(names).toContain(String(me["database"]))
          expect(names).not.toContain(other)
          await expect(c.query(`SELECT * FROM \`${other}\`.customers`)).rejects.toThrow(/denied/i)
          await expect(c.query(`DROP TABLE \`${other}\`.customers`)).rejects.toThrow(/denied/i)
          await expect(c.query(`CREATE TABLE \`${other}\`.planted (x INT)`)).rejects.toThrow(/denied/i)
          // Its own schema still works.
          const [own] = await c.query(`SELECT email FROM \`${String(me["database"])}\`.customers`)
          expect(own).toEqual([{ email: "bob@example.com" }])
        } finally {
          await c.end()
        }
      }
      for (const db of [dbA, dbB]) {
        const [rows] = await root.query(`SELECT email FROM \`${db}\`.customers`)
        expect(rows).toEqual([{ email: "bob@example.com" }])
      }
      // A wildcard grant left by an earlier version is drift, named as such.
      await root.query(`GRANT SELECT ON \`${dbA}\`.* TO ?@'%'`, [String(a["username"])])
      const drift = await rt.run(Provision.drift(envA))
      expect(drift.map((d) => d.difference)).toContainEqual(expect.stringMatching(/has privileges on databases matching/))
      await root.query(`REVOKE SELECT ON \`${dbA}\`.* FROM ?@'%'`, [String(a["username"])])
      expect(await rt.run(Provision.drift(envA))).toEqual([])
    } finally {
      await root.end()
    }
  }, 120_000)
})
