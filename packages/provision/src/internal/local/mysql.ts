import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type * as mysql from "mysql2/promise"
import type { Instance } from "../../Provisioner.js"
import type { TypeProvisioner } from "./common.js"
import { address, attempt, databaseOutputs } from "./common.js"

const withMysql = <A>(url: string, instance: Instance, operation: "ensure" | "remove" | "inspect", f: (c: mysql.Connection) => Promise<A>) =>
  Effect.acquireUseRelease(
    attempt(instance, operation, async () => {
      // Drivers load on first use, so commands that never touch MySQL do not pay for them.
      const { createConnection } = await import("mysql2/promise")
      const a = address(url, 3306)
      return createConnection({ host: a.host, port: a.port, user: a.user || "root", password: a.password, connectTimeout: 10_000 })
    }),
    (c) => attempt(instance, operation, () => f(c)),
    (c) => Effect.promise(() => c.end().catch(() => undefined)).pipe(Effect.timeout("5 seconds"), Effect.ignore)
  )

/** A database and a user with every privilege on it and none elsewhere. */
export const mysqlProvisioner = (url: string): TypeProvisioner => ({
  ensure: (instance, progress) =>
    Effect.gen(function*() {
      const name = instance.name
      const password = Redacted.value(instance.password)
      yield* progress(`mysql: database and user ${name}`)
      yield* withMysql(url, instance, "ensure", async (c) => {
        await c.query(`CREATE DATABASE IF NOT EXISTS \`${name}\``)
        await c.query("CREATE USER IF NOT EXISTS ?@'%' IDENTIFIED BY ?", [name, password])
        await c.query("ALTER USER ?@'%' IDENTIFIED BY ?", [name, password])
        await c.query(`GRANT ALL PRIVILEGES ON \`${name}\`.* TO ?@'%'`, [name])
      })
      return databaseOutputs("mysql", url, 3306, name, password)
    }),
  remove: (instance, progress) =>
    Effect.zipRight(
      progress(`mysql: drop database and user ${instance.name}`),
      withMysql(url, instance, "remove", async (c) => {
        await c.query(`DROP DATABASE IF EXISTS \`${instance.name}\``)
        await c.query("DROP USER IF EXISTS ?@'%'", [instance.name])
      })
    ),
  inspect: (instance) =>
    withMysql(url, instance, "inspect", async (c) => {
      const differences: Array<string> = []
      const [dbs] = await c.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [instance.name])
      if ((dbs as Array<unknown>).length === 0) differences.push(`database ${instance.name} does not exist`)
      const [users] = await c.query("SELECT User FROM mysql.user WHERE User = ? AND Host = '%'", [instance.name])
      if ((users as Array<unknown>).length === 0) differences.push(`user ${instance.name} does not exist`)
      return differences
    })
})
