// orders-api: places orders, priced by catalog-api, stored in its own PostgreSQL database.
import { json, readJson, serve } from "../serve.mjs"
import { tracedFetch } from "../telemetry.mjs"

const catalogUrl = process.env.CATALOG_API_URL ?? "http://127.0.0.1:8081"

await serve({
  name: "orders-api",
  setup: (pool) =>
    pool.query("create table if not exists orders (id serial primary key, book_id text not null, quantity int not null, total_cents int not null, placed_at timestamptz not null default now())"),
  routes: [
    [/^GET \/orders$/, async ({ res, db }) =>
      json(res, 200, (await db.query("select * from orders order by id desc limit 20")).rows)],
    [/^POST \/orders$/, async ({ req, res, db }) => {
      const { bookId, quantity = 1 } = await readJson(req)
      const book = await tracedFetch("catalog-api", `${catalogUrl}/books/${encodeURIComponent(bookId)}`)
      if (book.status === 404) return json(res, 422, { error: `unknown book ${bookId}` })
      if (!book.ok) return json(res, 502, { error: `catalog-api answered ${book.status}` })
      const { price_cents } = await book.json()
      const { rows } = await db.query(
        "insert into orders (book_id, quantity, total_cents) values ($1, $2, $3) returning *",
        [bookId, quantity, price_cents * quantity]
      )
      return json(res, 201, rows[0])
    }]
  ]
})
