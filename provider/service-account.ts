import { z } from "zod";
import { idOf, membership, membershipClaimId, Membership as MembershipObject, serviceAccountInput, Token } from "../schema";
import { TenancyClient } from "./client";
import { assertRecoverable } from "./claims";
import { defineResource } from "./define-resource";
import { canonical } from "./inputs";
import { overlapEnd, overlapHours } from "./overlap";
import { resourceSpec, SpecArgs, SpecInputs, SpecOutputs } from "./spec";

/**
 * A service account: a non-person identity of one organization, holding an organization role
 * like a person (CI, Pulumi deployments), so nothing breaks when someone leaves. It comes with a
 * management token, `token`, a Pulumi secret shown by the API once and kept from state after.
 * A new `role` updates it in place; a new `rotationTriggers` value rotates the token in place (the
 * new token is minted first, and the old one keeps working for `rotationOverlapHours`, default 24,
 * so CI still holding it has time to take the new one; 0 revokes it at once); a new `name`
 * or `organizationId` replaces the account. Deleting it removes the account and its tokens.
 */

export const serviceAccountSpec = resourceSpec({
  type: "ServiceAccount",
  own: z.strictObject({
    organizationId: idOf("organization"),
    /** Any string map; a change to it rotates the token (e.g. `{ quarter: "2026-Q4" }`). */
    rotationTriggers: z.record(z.string(), z.string()).optional(),
    /** How long the token a rotation replaces keeps working (default 24 hours; 0 revokes it at once). */
    rotationOverlapHours: overlapHours,
  }),
  api: serviceAccountInput,
  object: membership.omit({ projectId: true, name: true }).extend({ token: z.string(), tokenId: idOf("token") }),
  replaces: ["organizationId", "name"],
  parents: ["organizationId"],
  shownOnce: ["token", "tokenId"],
});
type Spec = typeof serviceAccountSpec;

/** The inputs of a `ServiceAccount`. */
export type ServiceAccountArgs = SpecArgs<Spec["own"], Spec["api"]>;
type Inputs = SpecInputs<Spec["own"], Spec["api"]>;
type Outputs = SpecOutputs<Spec["own"], Spec["api"], Spec["object"]>;

/** The `externalId` sent on create: the URN and the name, since a renamed account is a new one made before the old goes. */
const externalIdFor = (inputs: Inputs) => `${inputs.externalId}#${inputs.name}`;

/** The object a claim names: the account's membership of its organization. */
const claimOf = (orgId: string, userId: string) => membershipClaimId(orgId, userId);

/** The token's name says which rotation made it, so the redacted list reads in order. */
const tokenName = (inputs: Inputs) => `pulumi ${inputs.rotationTriggers ? canonical(inputs.rotationTriggers).slice(0, 90) : "deployment"}`;

async function mint(client: TenancyClient, inputs: Inputs, userId: string) {
  const t = await client.serviceAccounts.mintToken(inputs.organizationId, userId, { name: tokenName(inputs) });
  if (!t.token) throw new Error("the backend answered a token creation without the token (an idempotent replay?); run the update again");
  return { token: t.token, tokenId: t.id };
}

/**
 * Creates the account, or takes over the one a lost create made (its token is gone: revoked and
 * minted anew); one another deployment of the URN made and recorded is refused (claims.ts).
 */
async function create(client: TenancyClient, inputs: Inputs): Promise<MembershipObject> {
  const orgId = inputs.organizationId;
  const externalId = externalIdFor(inputs);
  const [lost] = (await client.serviceAccounts.list(orgId, { externalId })).data;
  if (!lost) return client.serviceAccounts.create(orgId, serviceAccountSpec.body(inputs, externalId));
  await assertRecoverable(client, { objectId: claimOf(orgId, lost.userId), label: `service account ${lost.userId} ("${lost.name}") of organization ${orgId}` }, inputs.externalId!);
  for (const t of (await client.serviceAccounts.tokens(orgId, lost.userId)).data) {
    if (t.status === "active") await client.serviceAccounts.revokeToken(orgId, lost.userId, t.id);
  }
  return lost.role === inputs.role ? lost : client.members.setRole({ organizationId: orgId }, lost.userId, inputs.role);
}

/** The account's token `tokenId`, as listed (redacted), if it exists. */
async function findToken(client: TenancyClient, orgId: string, userId: string, tokenId: string): Promise<Token | undefined> {
  let after: string | undefined;
  do {
    const page = await client.serviceAccounts.tokens(orgId, userId, after ? { after } : {});
    const found = page.data.find((t) => t.id === tokenId);
    if (found) return found;
    after = page.hasMore && page.nextCursor ? page.nextCursor : undefined;
  } while (after);
  return undefined;
}

/** Whether the account's token `tokenId` still works: not revoked or expired out of band. */
async function tokenActive(client: TenancyClient, orgId: string, userId: string, tokenId: string): Promise<boolean> {
  return (await findToken(client, orgId, userId, tokenId))?.status === "active";
}

/**
 * The token a rotation replaces keeps working until `rotationOverlapHours` end (CI still holding
 * it has time to take the new one), or is revoked at once with an overlap of 0.
 */
async function retireToken(client: TenancyClient, olds: Outputs, news: Inputs, userId: string): Promise<void> {
  const until = overlapEnd(news.rotationOverlapHours);
  const old = until && (await findToken(client, olds.organizationId, userId, olds.tokenId));
  if (!until) await client.serviceAccounts.revokeToken(olds.organizationId, userId, olds.tokenId);
  // A token that expires within the overlap anyway (or is gone) is left as it is: an expiry is never extended.
  else if (old && old.status === "active" && (!old.expiresAt || old.expiresAt > until)) await client.serviceAccounts.expireTokenBy(olds.organizationId, userId, olds.tokenId, until);
}

/** No token: what state holds once refresh found the token revoked or expired; the next up mints one. */
const NO_TOKEN = { token: "", tokenId: "" };

/** The account's membership with its token: the object the spec's outputs are made from. */
const withToken = (m: MembershipObject, t: { token: string; tokenId: string }) => ({ ...m, ...t });

export const serviceAccountKind = defineResource(serviceAccountSpec, {
  kind: "serviceAccount",
  labelField: "name",
  whereabouts: (_id, props) => ({ organizationId: props.organizationId }),
  // A token refresh found dead is drift to mend in place, like a changed input; a new account exists before the old one goes.
  diff: (diff, olds) => ({ ...diff, changes: diff.changes || !olds.tokenId, deleteBeforeReplace: false }),
  create: async (client, inputs) => {
    const account = await create(client, inputs);
    return { id: account.userId, object: withToken(account, await mint(client, inputs, account.userId)) };
  },
  read: async ({ client, gone }, id, props) => {
    const m = await gone(client.members.get({ organizationId: props.organizationId }, id));
    if (!m) return undefined;
    // A token revoked or expired out of band leaves CI without a working one: refresh says so
    // (state drops it), and the next up mints a new one in place.
    const live = props.tokenId !== "" && (await tokenActive(client, props.organizationId, id, props.tokenId));
    return withToken(m, live ? { token: props.token, tokenId: props.tokenId } : NO_TOKEN);
  },
  update: async ({ client, gone }, id, olds, news) => {
    const scope = { organizationId: olds.organizationId };
    const m = olds.role === news.role ? await client.members.get(scope, id) : await client.members.setRole(scope, id, news.role);
    let t = { token: olds.token, tokenId: olds.tokenId };
    if (!olds.tokenId || canonical(olds.rotationTriggers) !== canonical(news.rotationTriggers)) {
      // The new token first: CI holding the old one keeps working until the deployment hands it the new one.
      t = await mint(client, news, id);
      if (olds.tokenId) await gone(retireToken(client, olds, news, id));
    }
    return withToken(m, t);
  },
  delete: async ({ client, gone }, id, props) => void (await gone(client.members.remove({ organizationId: props.organizationId }, id))),
  claimOf: (id, props) => claimOf(props.organizationId, id),
  claimFields: ["organizationId"],
  secrets: ["token"],
});

export const serviceAccountImplementation = serviceAccountKind.implementation;

/** A service account of an organization; `token`, its management token (shown by the API once), is a Pulumi secret. */
export class ServiceAccount extends serviceAccountKind.Resource {}
