/**
 * The peer: `@backstage/catalog-model`'s default policy chain and the built-in kind validators,
 * as Backstage's catalog applies them to every entity.
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

const policy = EntityPolicies.allOf([
  new DefaultNamespaceEntityPolicy(),
  new FieldFormatEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new SchemaValidEntityPolicy()
])

const kindValidators = [
  componentEntityV1alpha1Validator,
  apiEntityV1alpha1Validator,
  resourceEntityV1alpha1Validator,
  systemEntityV1alpha1Validator,
  domainEntityV1alpha1Validator,
  groupEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
  locationEntityV1alpha1Validator
]

/** Validates one entity; resolves to whether it passed the chain and a kind validator. */
export const backstageValidate = async (value: unknown): Promise<boolean> => {
  try {
    const entity = await policy.enforce(value as never)
    if (entity === undefined) return false
    for (const v of kindValidators) if (await v.check(entity)) return true
    return false
  } catch {
    return false
  }
}
