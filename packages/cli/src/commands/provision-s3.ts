/**
 * `paved provision serve-s3`: the embedded S3 endpoint over `<dir>/s3`, in the foreground. A
 * detached `paved env up` runs it as a background process (see `Provisioner.LocalOptions.s3Process`),
 * so the buckets it hands to services stay reachable after `up` exits; the last `env down` of the
 * directory stops it.
 *
 * @since 0.2.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as S3Endpoint from "@paved/provision/S3Endpoint"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Output from "../Output.js"

/**
 * The command line that runs the endpoint as a background process for `dir` (`{dir}` and
 * `{port}` are filled in by the provisioner).
 *
 * @since 0.2.0
 */
export const serveS3Command = (): ReadonlyArray<string> => [
  process.execPath,
  process.argv[1]!,
  "provision",
  "serve-s3",
  "--dir",
  "{dir}",
  "--port",
  "{port}",
  "--until-unused"
]

/**
 * The `provision serve-s3` command.
 *
 * @since 0.2.0
 */
export const serveS3 = Command.make("serve-s3", {
  dir: Options.text("dir").pipe(Options.withDefault(".paved"), Options.withDescription("The state directory whose s3/ is served (default .paved)")),
  port: Options.integer("port").pipe(Options.withDefault(0), Options.withDescription("The port on 127.0.0.1 (default: any free port)")),
  untilUnused: Options.boolean("until-unused").pipe(Options.withDescription("Exit once the directory has had no bucket for 10 seconds, or is gone"))
}, (o) =>
  Effect.scoped(Effect.gen(function*() {
    const s3Dir = path.join(o.dir, "s3")
    const endpoint = yield* S3Endpoint.serve({ dir: s3Dir, port: o.port })
    yield* Output.diagnostic(`S3 endpoint on ${endpoint.url} serving ${s3Dir}; objects at most ${S3Endpoint.defaultMaxObjectBytes()} bytes`)
    if (!o.untilUnused) return yield* Effect.never
    let idle = 0
    while (idle < 5) {
      yield* Effect.sleep("2 seconds")
      idle = !fs.existsSync(s3Dir) || S3Endpoint.readGrants(s3Dir).length === 0 ? idle + 1 : 0
    }
    yield* Output.diagnostic(`no bucket left in ${s3Dir}: the S3 endpoint stops`)
  }))).pipe(Command.withDescription("Serve the embedded S3 endpoint over <dir>/s3 in the foreground (what a detached env up runs in the background)"))
