/**
 * The peer of `paved catalog validate DIR --format json`, as a team would write it without
 * Paved: walk DIR for catalog-info.yaml files, parse each with `yaml`, run Backstage 1.10's
 * policy chain and kind validators (`@backstage/catalog-model`), print one JSON document.
 * Used by `cli.bench.ts`, run as its own process.
 */
import {
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  DefaultNamespaceEntityPolicy,
  domainEntityV1alpha1Validator,
  EntityPolicies,
  FieldFormatEntityPolicy,
  groupEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
  NoForeignRootFieldsEntityPolicy,
  resourceEntityV1alpha1Validator,
  SchemaValidEntityPolicy,
  systemEntityV1alpha1Validator,
  userEntityV1alpha1Validator
} from "@backstage/catalog-model"
import * as fs from "node:fs"
import * as path from "node:path"
import * as YAML from "yaml"

const policy = EntityPolicies.allOf([
  new DefaultNamespaceEntityPolicy(),
  new FieldFormatEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new SchemaValidEntityPolicy()
])
const kindValidators = [
  componentEntityV1alpha1Validator, apiEntityV1alpha1Validator, resourceEntityV1alpha1Validator,
  systemEntityV1alpha1Validator, domainEntityV1alpha1Validator, groupEntityV1alpha1Validator,
  userEntityV1alpha1Validator, locationEntityV1alpha1Validator
]

const files = []
const walk = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name)
    if (e.isDirectory()) {
      if (e.name !== "node_modules" && !e.name.startsWith(".")) walk(full)
    } else if (e.isFile() && /^catalog-info\.ya?ml$/.test(e.name)) files.push(full)
  }
}
walk(path.resolve(process.argv[2] ?? "."))

const entities = []
const problems = []
for (const file of files.sort()) {
  for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, "utf8"))) {
    try {
      const entity = await policy.enforce(doc.toJS())
      let ok = false
      for (const v of kindValidators) if (await v.check(entity)) ok = true
      if (ok) entities.push({ ref: `${entity.kind}:${entity.metadata.namespace ?? "default"}/${entity.metadata.name}`.toLowerCase(), file })
      else problems.push({ file, message: "unknown kind" })
    } catch (error) {
      problems.push({ file, message: String(error) })
    }
  }
}
process.stdout.write(JSON.stringify({ entities, problems }, null, 2) + "\n")
