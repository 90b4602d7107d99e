// catalog-api: books and prices, from its own PostgreSQL database.
import { json, serve } from "../serve.mjs"

const books = [
  ["b1", "The Art of Computer Programming", "Donald Knuth", 19900],
  ["b2", "Structure and Interpretation of Computer Programs", "Abelson & Sussman", 4500],
  ["b3", "A Discipline of Programming", "Edsger Dijkstra", 3900],
  ["b4", "The Mythical Man-Month", "Fred Brooks", 2900]
]

await serve({
  name: "catalog-api",
  setup: async (pool) => {
    await pool.query("create table if not exists books (id text primary key, title text not null, author text not null, price_cents int not null)")
    for (const row of books) await pool.query("insert into books values ($1, $2, $3, $4) on conflict (id) do nothing", row)
  },
  routes: [
    [/^GET \/books$/, async ({ res, db }) => json(res, 200, (await db.query("select * from books order by id")).rows)],
    [/^GET \/books\/(?<id>[\w-]+)$/, async ({ res, db, params }) => {
      const { rows } = await db.query("select * from books where id = $1", [params.id])
      return rows.length === 0 ? json(res, 404, { error: `no book ${params.id}` }) : json(res, 200, rows[0])
    }]
  ]
})
