import { TenancyClient } from "../client";
import { credentialFor } from "../config";
import { buildModel, ResourceInput, TenancyModel } from "../guardrails";
import { Directory, externalOrganizations, referencesOutside, resolveResources } from "../review/directory";

/**
 * The layout the pack judges: the stack's resources plus the organizations they name that live in
 * another stack (the environments example's normal case), read through the API as `tenancy review`
 * reads them (provider/review/directory.ts), so a production key without `expiresInDays` is judged
 * by its organization's `apiKeyMaxLifetimeDays` wherever that organization is declared. The pack
 * runs in the engine's analyzer, which is not given the stack's config: it reads with
 * `TENANCY_ENDPOINT` and `TENANCY_TOKEN` (a viewer's token is enough), else the `tenancy login` session.
 */

// Each policy gets its own copy of the resources: the backend is read once per set of references.
const read = new Map<string, Promise<Directory>>();

export async function layoutOf(resources: ResourceInput[]): Promise<TenancyModel> {
  const model = buildModel(resources);
  const refs = referencesOutside(resources);
  if (refs.length === 0) return model;
  const ids = [...new Set(refs.flatMap((r) => Object.values(r.props) as string[]))].sort();
  let credential;
  try {
    credential = credentialFor({});
  } catch (err) {
    throw new Error(`the stack names ${ids.join(", ")}, which it does not declare; to judge them the policy pack reads them through the tenancy API (a viewer's token is enough): ${(err as Error).message.replace(/`pulumi config set[^`]*` or /g, "")}`);
  }
  const key = `${credential.endpoint}\n${credential.token}\n${ids.join(",")}`;
  if (!read.has(key)) read.set(key, resolveResources(refs, new TenancyClient(credential)));
  const directory = await read.get(key)!;
  return { ...model, organizations: [...model.organizations, ...externalOrganizations(resources, directory)] };
}
