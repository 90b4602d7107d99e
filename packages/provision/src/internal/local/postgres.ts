import type * as PgClient from "@effect/sql-pg/PgClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { Instance } from "../../Provisioner.js"
import type { TypeProvisioner } from "./common.js"
import { databaseOutputs, failure } from "./common.js"

/** Runs statements on a PostgreSQL server with a short-lived admin connection. */
export const withPg = <A, E>(url: string, f: (sql: PgClient.PgClient) => Effect.Effect<A, E>) =>
  Effect.scoped(
    Effect.promise(() => import("@effect/sql-pg/PgClient")).pipe(
      Effect.flatMap((Pg) =>
        Layer.build(Pg.layer({ url: Redacted.make(url), maxConnections: 1, connectTimeout: "10 seconds" })).pipe(
          Effect.flatMap((ctx) => f(Context.get(ctx, Pg.PgClient)))
        )
      )
    )
  )

// Names come from the standards' naming ([a-z0-9_]); quoting still guards against anything else.
const ident = (name: string) => `"${name.replace(/"/g, "\"\"")}"`
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`

/**
 * A database and a login role that owns it, per resource. `CONNECT` is revoked from PUBLIC so
 * another environment's role cannot even connect.
 */
export const postgres = (server: Effect.Effect<string, unknown>): TypeProvisioner => {
  const admin = <A>(instance: Instance, operation: "ensure" | "remove" | "inspect", f: (sql: PgClient.PgClient) => Effect.Effect<A, unknown>) =>
    server.pipe(Effect.flatMap((url) => withPg(url, f)), Effect.mapError(failure(instance, operation)))
  return {
    ensure: (instance, progress) =>
      Effect.gen(function*() {
        const url = yield* server.pipe(Effect.mapError(failure(instance, "ensure")))
        const name = instance.name
        const password = Redacted.value(instance.password)
        yield* progress(`postgres: role and database ${name}`)
        yield* admin(instance, "ensure", (sql) =>
          Effect.gen(function*() {
            // Create-or-alter in one statement: a step killed mid-way may still be finishing
            // its CREATE on the server, so a separate check could race with it.
            yield* sql.unsafe(
              `DO $$ BEGIN CREATE ROLE ${ident(name)} LOGIN PASSWORD ${literal(password)}; ` +
                `EXCEPTION WHEN duplicate_object OR unique_violation THEN ALTER ROLE ${ident(name)} LOGIN PASSWORD ${literal(password)}; END $$`
            )
            const dbs = yield* sql`SELECT 1 FROM pg_database WHERE datname = ${name}`
            if (dbs.length === 0) {
              yield* sql.unsafe(`CREATE DATABASE ${ident(name)} OWNER ${ident(name)}`).pipe(
                Effect.catchIf((e) => /already exists|duplicate key/.test(String(e.cause)), () => Effect.void)
              )
            }
            yield* sql.unsafe(`ALTER DATABASE ${ident(name)} OWNER TO ${ident(name)}`)
            yield* sql.unsafe(`REVOKE ALL ON DATABASE ${ident(name)} FROM PUBLIC`)
            yield* sql.unsafe(`GRANT ALL ON DATABASE ${ident(name)} TO ${ident(name)}`)
          }))
        return databaseOutputs("postgres", url, 5432, name, password)
      }),
    remove: (instance, progress) =>
      Effect.zipRight(
        progress(`postgres: drop database and role ${instance.name}`),
        admin(instance, "remove", (sql) =>
          Effect.gen(function*() {
            yield* sql.unsafe(`DROP DATABASE IF EXISTS ${ident(instance.name)} WITH (FORCE)`)
            yield* sql.unsafe(`DROP ROLE IF EXISTS ${ident(instance.name)}`)
          }))
      ),
    inspect: (instance) =>
      admin(instance, "inspect", (sql) =>
        Effect.gen(function*() {
          const differences: Array<string> = []
          const roles = yield* sql<{ rolcanlogin: boolean }>`SELECT rolcanlogin FROM pg_roles WHERE rolname = ${instance.name}`
          if (roles.length === 0) differences.push(`role ${instance.name} does not exist`)
          else if (!roles[0]!.rolcanlogin) differences.push(`role ${instance.name} cannot log in`)
          const dbs = yield* sql<{ owner: string }>`SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = ${instance.name}`
          if (dbs.length === 0) differences.push(`database ${instance.name} does not exist`)
          else if (dbs[0]!.owner !== instance.name) differences.push(`database ${instance.name} is owned by ${dbs[0]!.owner}, not ${instance.name}`)
          return differences
        }))
  }
}
