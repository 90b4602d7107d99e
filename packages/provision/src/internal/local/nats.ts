import * as Effect from "effect/Effect"
import type { JetStreamManager, NatsConnection } from "nats"
import { load } from "../../OptionalDependency.js"
import type { Instance } from "../../Provisioner.js"
import type { TypeProvisioner } from "./common.js"
import { address, attempt } from "./common.js"

const withJsm = <A>(url: string, instance: Instance, operation: "ensure" | "remove" | "inspect", f: (jsm: JetStreamManager) => Promise<A>) =>
  Effect.acquireUseRelease(
    attempt(instance, operation, async () => (await load("nats", "the queue and stream provisioner (NATS)", () => import("nats"))).connect({ servers: url, timeout: 10_000 })),
    (nc: NatsConnection) => attempt(instance, operation, async () => f(await nc.jetstreamManager())),
    (nc) => Effect.promise(() => nc.close().catch(() => undefined)).pipe(Effect.timeout("5 seconds"), Effect.ignore)
  )

// "stream not found" is an answer, not a failure: it becomes `undefined`; anything else rejects.
const missing = (e: unknown): Promise<undefined> =>
  e instanceof Error && /not found/i.test(e.message) ? Promise.resolve(undefined) : Promise.reject(e)

/** A JetStream stream named after the resource, holding the subjects `<name>.>`. */
export const natsProvisioner = (url: string): TypeProvisioner => ({
  ensure: (instance, progress) =>
    Effect.gen(function*() {
      const name = instance.name
      const subject = `${name}.>`
      yield* progress(`nats: JetStream stream ${name}`)
      yield* withJsm(url, instance, "ensure", async (jsm) => {
        const info = await jsm.streams.info(name).catch(missing)
        if (info === undefined) await jsm.streams.add({ name, subjects: [subject] })
        else if (!info.config.subjects?.includes(subject)) await jsm.streams.update(name, { ...info.config, subjects: [subject] })
      })
      const a = address(url, 4222)
      return { host: a.host, port: String(a.port), url: `nats://${a.host}:${a.port}`, stream: name, subject }
    }),
  remove: (instance, progress) =>
    Effect.zipRight(
      progress(`nats: delete stream ${instance.name}`),
      withJsm(url, instance, "remove", async (jsm) => {
        await jsm.streams.delete(instance.name).catch(missing)
      })
    ),
  inspect: (instance) =>
    withJsm(url, instance, "inspect", async (jsm) => {
      const info = await jsm.streams.info(instance.name).catch(missing)
      if (info === undefined) return [`stream ${instance.name} does not exist`]
      return info.config.subjects?.includes(`${instance.name}.>`) ? [] : [`stream ${instance.name} does not hold ${instance.name}.>`]
    })
})
