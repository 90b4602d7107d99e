/**
 * `paved catalog owners`: ownership health — entities with no owner, a dangling owner, an
 * owner of the wrong kind, an empty owning group, or an owning group removed or renamed since an
 * earlier snapshot (`--previous PATH`, e.g. a checkout of the last release); users in no group;
 * groups without a parent. Without PATHs the catalog and its history come from the store
 * (`--db`). Each affected entity gets a suggested new owner; nothing is changed.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { OwnershipHealth } from "@paved/catalog"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Output from "../Output.js"
import * as Inputs from "../internal/scoreInputs.js"

const previous = Options.text("previous").pipe(
  Options.withDescription("The catalog as it was before (files, directories or globs), to recognise removed and renamed groups"),
  Options.repeated
)

/**
 * `paved catalog owners [PATH...] [--previous PATH]...`: exit 1 when any entity has an
 * ownership problem.
 *
 * @since 0.1.0
 */
export const owners = Command.make("owners", { paths: Inputs.paths, previous, db: Inputs.db, format: Output.format }, (args) =>
  Effect.gen(function*() {
    const view = yield* Inputs.loadView(args.paths, args.db)
    const before = args.previous.length === 0 ? undefined : yield* Inputs.loadView(args.previous)
    // Reading the catalog from the store, its history tells which groups were removed or renamed.
    const gone = args.paths.length === 0 ? yield* Inputs.departures(args.db, view) : []
    const report = OwnershipHealth.report(view, { previous: before, departures: gone })
    if (args.format === "json") yield* Output.printJson(report)
    else {
      yield* Output.printTable(report.findings, [
        { header: "entity", cell: (f) => f.ref },
        { header: "problem", cell: (f) => f.problem },
        { header: "owner", cell: (f) => f.owner ?? "-" },
        { header: "suggested owner", cell: (f) => f.suggestion?.owner ?? "" },
        { header: "why", cell: (f) => f.suggestion?.reason ?? f.message }
      ], "Every entity has an owner that exists and has members.")
      if (report.usersWithoutGroup.length > 0) yield* Console.log(`\nUsers in no group: ${report.usersWithoutGroup.join(", ")}`)
      if (report.groupsWithoutParent.length > 0) yield* Console.log(`Groups without a parent: ${report.groupsWithoutParent.join(", ")}`)
      if (report.findings.some((f) => f.suggestion !== null)) {
        yield* Console.log("\nSuggestions only: change spec.owner in the entity's catalog-info.yaml to adopt one.")
      }
    }
    if (report.findings.length > 0) {
      return yield* new Output.CheckFailed({ summary: `paved catalog owners: ${report.findings.length} entities have ownership problems` })
    }
  })
).pipe(Command.withDescription("Ownership health: missing, dangling, empty, removed or renamed owners, with suggested new owners"))
