/**
 * The store layers of the benchmark, with their `SqlClient` kept visible so the naive peer can
 * read the same database.
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { CatalogStore } from "@paved/catalog"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

export const layerWithSql = {
  sqlite: (filename: string) => Layer.provideMerge(CatalogStore.layerSqlClient, SqliteClient.layer({ filename })),
  pg: (url: string) => Layer.provideMerge(CatalogStore.layerSqlClient, PgClient.layer({ url: Redacted.make(url), maxConnections: 4 }))
}
