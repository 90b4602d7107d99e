// storefront: the reader-facing backend. It lists books straight from catalog-api (a runtime
// dependency its catalog entry forgot to declare: the demo's drift check finds it) and places
// orders through orders-api. Visits are counted in its own sessions database.
import { json, serve } from "../serve.mjs"
import { tracedFetch } from "../telemetry.mjs"

const catalogUrl = process.env.CATALOG_API_URL ?? "http://127.0.0.1:8081"
const ordersUrl = process.env.ORDERS_API_URL ?? "http://127.0.0.1:8082"

await serve({
  name: "storefront",
  setup: (pool) => pool.query("create table if not exists visits (id serial primary key, path text not null, at timestamptz not null default now())"),
  routes: [
    [/^GET \/$/, async ({ res, db }) => {
      await db.query("insert into visits (path) values ('/')")
      const [books, orders] = await Promise.all([
        tracedFetch("catalog-api", `${catalogUrl}/books`).then((r) => r.json()),
        tracedFetch("orders-api", `${ordersUrl}/orders`).then((r) => r.json())
      ])
      const { rows } = await db.query("select count(*)::int as visits from visits")
      return json(res, 200, { books, recentOrders: orders, visits: rows[0].visits })
    }],
    [/^POST \/buy\/(?<id>[\w-]+)$/, async ({ res, params }) => {
      const order = await tracedFetch("orders-api", `${ordersUrl}/orders`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ bookId: params.id, quantity: 1 })
      })
      return json(res, order.status, await order.json())
    }]
  ]
})
