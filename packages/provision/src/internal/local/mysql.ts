import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type * as mysql from "mysql2/promise"
import { load } from "../../OptionalDependency.js"
import * as PhysicalName from "../../PhysicalName.js"
import type { Instance } from "../../Provisioner.js"
import type { TypeProvisioner } from "./common.js"
import { address, attempt, databaseOutputs } from "./common.js"

const withMysql = <A>(url: string, instance: Instance, operation: "ensure" | "remove" | "inspect", f: (c: mysql.Connection) => Promise<A>) =>
  Effect.acquireUseRelease(
    attempt(instance, operation, async () => {
      // Drivers load on first use, so commands that never touch MySQL do not pay for them.
      const { createConnection } = await load("mysql2", "the mysql provisioner", () => import("mysql2/promise"))
      const a = address(url, 3306)
      return createConnection({ host: a.host, port: a.port, user: a.user || "root", password: a.password, connectTimeout: 10_000 })
    }),
    (c) => attempt(instance, operation, () => f(c)),
    (c) => Effect.promise(() => c.end().catch(() => undefined)).pipe(Effect.timeout("5 seconds"), Effect.ignore)
  )

// Identifiers go in backticks with any backtick doubled. In a database-level GRANT the name is
// also a LIKE pattern, so `_` and `%` (and the escape character itself) are escaped there:
// unescaped, a grant on `paved_pr_1__web__my` would match `paved_pr11__web__my` too.
const ident = (name: string) => `\`${name.replace(/`/g, "``")}\``
// The name as a GRANT pattern; mysql.db stores it this way, backslashes included.
const storedPattern = (name: string) => name.replace(/[\\_%]/g, (c) => `\\${c}`)
const grantPattern = (name: string) => ident(storedPattern(name))

/**
 * A database and a user with every privilege on it and none elsewhere. The user is the physical
 * name, shortened for MySQL's 32-character user names (`PhysicalName.mysqlUser`).
 */
export const mysqlProvisioner = (url: string): TypeProvisioner => ({
  ensure: (instance, progress) =>
    Effect.gen(function*() {
      const name = instance.name
      const user = PhysicalName.mysqlUser(name)
      const password = Redacted.value(instance.password)
      yield* progress(`mysql: database ${name} and user ${user}`)
      yield* withMysql(url, instance, "ensure", async (c) => {
        await c.query(`CREATE DATABASE IF NOT EXISTS ${ident(name)}`)
        await c.query("CREATE USER IF NOT EXISTS ?@'%' IDENTIFIED BY ?", [user, password])
        await c.query("ALTER USER ?@'%' IDENTIFIED BY ?", [user, password])
        await c.query(`GRANT ALL PRIVILEGES ON ${grantPattern(name)}.* TO ?@'%'`, [user])
        // Grants made before names were escaped are patterns that reach other environments'
        // databases: revoke every database-level grant of this user but its own.
        for (const db of await databaseGrants(c, user)) {
          if (db !== storedPattern(name)) await c.query(`REVOKE ALL PRIVILEGES ON ${ident(db)}.* FROM ?@'%'`, [user])
        }
        // Earlier versions used the whole name as the user, also when longer than 32 characters.
        if (user !== name) await c.query("DROP USER IF EXISTS ?@'%'", [name])
      })
      return databaseOutputs("mysql", url, 3306, name, password, user)
    }),
  remove: (instance, progress) =>
    Effect.zipRight(
      progress(`mysql: drop database ${instance.name} and user ${PhysicalName.mysqlUser(instance.name)}`),
      withMysql(url, instance, "remove", async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${ident(instance.name)}`)
        await c.query("DROP USER IF EXISTS ?@'%'", [PhysicalName.mysqlUser(instance.name)])
        if (PhysicalName.mysqlUser(instance.name) !== instance.name) await c.query("DROP USER IF EXISTS ?@'%'", [instance.name])
      })
    ),
  inspect: (instance) =>
    withMysql(url, instance, "inspect", async (c) => {
      const user = PhysicalName.mysqlUser(instance.name)
      const differences: Array<string> = []
      const [dbs] = await c.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [instance.name])
      if ((dbs as Array<unknown>).length === 0) differences.push(`database ${instance.name} does not exist`)
      const [users] = await c.query("SELECT User FROM mysql.user WHERE User = ? AND Host = '%'", [user])
      if ((users as Array<unknown>).length === 0) differences.push(`user ${user} does not exist`)
      else {
        const grants = await databaseGrants(c, user)
        if (!grants.includes(storedPattern(instance.name))) differences.push(`user ${user} has no grant on database ${instance.name}`)
        for (const db of grants) {
          if (db !== storedPattern(instance.name)) differences.push(`user ${user} has privileges on databases matching "${db}"`)
        }
      }
      return differences
    })
})


const databaseGrants = async (c: mysql.Connection, user: string): Promise<ReadonlyArray<string>> => {
  const [rows] = await c.query("SELECT Db FROM mysql.db WHERE User = ? AND Host = '%'", [user])
  return (rows as Array<{ Db: string }>).map((r) => r.Db)
}
