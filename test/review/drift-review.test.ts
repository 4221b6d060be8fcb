import assert from "node:assert/strict";
import { Access } from "../../provider/access";
import { fromSteps, reviewPreview, summarizeChanges } from "../../provider/review";
import { tenancyProvider } from "./support";

/**
 * The review of an `up` that removes undeclared access (`exclusiveAccess`, issue 20 item 2): a
 * refresh recorded it in the old state as `undeclaredAccess`, and the review names each person
 * who loses access and each key that is retired.
 */
describe("the review of undeclared access being removed", () => {
  const ORG = "urn:pulumi:prod::p::pulumi-nodejs:dynamic/tenancy:Organization::acme";
  const PROJECT = "urn:pulumi:prod::p::pulumi-nodejs:dynamic/tenancy:Project::chat";
  const eve: Access = { kind: "member", id: "user_eve00000", who: "eve@acme.test", role: "admin", organizationId: "org_acme0000" };
  const ci: Access = { kind: "serviceAccount", id: "user_ci000000", who: "ci-by-hand", role: "admin", organizationId: "org_acme0000" };
  const zed: Access = { kind: "invitation", id: "inv_zed00000", who: "zed@acme.test", role: "admin", organizationId: "org_acme0000" };
  const zedChat: Access = { kind: "invitation", id: "inv_zed00000", who: "zed@acme.test", role: "owner", organizationId: "org_acme0000", projectId: "proj_chat0000" };
  const key: Access = { kind: "apiKey", id: "key_hand0000", who: "by-hand", role: "all", organizationId: "org_acme0000", projectId: "proj_chat0000", redactedValue: "tpk_…abcd" };
  const step = (urn: string, kind: "Organization" | "Project", props: Record<string, unknown>, undeclared: Access[], exclusiveAccess = true) => ({
    op: "update",
    urn,
    oldState: { urn, type: `pulumi-nodejs:dynamic/tenancy:${kind}`, id: String(props.id), inputs: { ...props, exclusiveAccess, undeclaredAccess: undeclared, __provider: tenancyProvider(kind) } },
    newState: { urn, type: `pulumi-nodejs:dynamic/tenancy:${kind}`, id: String(props.id), inputs: { ...props, exclusiveAccess, __provider: tenancyProvider(kind) } },
  });
  const preview = (exclusiveAccess = true) =>
    fromSteps([
      step(ORG, "Organization", { id: "org_acme0000", name: "Acme" }, [eve, ci, zed], exclusiveAccess),
      step(PROJECT, "Project", { id: "proj_chat0000", organizationId: "org_acme0000", name: "chat", environment: "development" }, [key, zedChat], exclusiveAccess),
    ]);

  it("names each person, service account and invitee who loses access, and each key retired by the overlap", () => {
    const changes = summarizeChanges(preview());
    assert.deepEqual(changes.access, [
      { who: "eve@acme.test", kind: "person", change: "loses", role: "admin", where: "organization Acme", scope: "organization" },
      { who: "ci-by-hand", kind: "serviceAccount", change: "loses", role: "admin", where: "organization Acme", scope: "organization" },
      { who: "zed@acme.test", kind: "person", change: "loses", role: "admin (pending invitation)", where: "organization Acme", scope: "organization" },
      { who: "zed@acme.test", kind: "person", change: "loses", role: "owner (pending invitation)", where: "project chat", scope: "project" },
    ]);
    assert.deepEqual(changes.keys, [
      { change: "revoked", name: "by-hand", project: "chat", owner: "–", permissions: "all", expiry: "–", detail: "granted outside the stack; valid until 24 h after the up" },
    ]);
    // Told as the access it removes, not as organization and project updates with no field changed.
    assert.deepEqual([changes.organizations, changes.projects], [[], []]);
    assert.match(reviewPreview(preview()).markdown, /^\*\*3 people lose 4 grants, 1 key is revoked\.\*\* No guardrail findings\.$/m);
  });

  it("finds exclusiveAccess turned off on an organization a loosening of its policy", () => {
    const off = (urn: string, kind: "Organization" | "Project", props: Record<string, unknown>) => ({
      op: "update",
      urn,
      oldState: { urn, type: `pulumi-nodejs:dynamic/tenancy:${kind}`, id: String(props.id), inputs: { ...props, exclusiveAccess: true, __provider: tenancyProvider(kind) } },
      newState: { urn, type: `pulumi-nodejs:dynamic/tenancy:${kind}`, id: String(props.id), inputs: { ...props, __provider: tenancyProvider(kind) } },
    });
    const review = reviewPreview(fromSteps([off(ORG, "Organization", { id: "org_acme0000", name: "Acme" }), off(PROJECT, "Project", { id: "proj_chat0000", organizationId: "org_acme0000", name: "chat", environment: "development" })]));
    assert.deepEqual(review.findings.map((f) => [f.rule, f.message]), [["security-policy-loosened", "exclusiveAccess of organization Acme loosens: true → (removed)"]]);
    assert.match(review.markdown, /\| chat \| updated \| exclusiveAccess \| true \| \(removed\) \|/);
  });

  it("reports nothing when exclusiveAccess is off: the update removes nothing", () => {
    const changes = summarizeChanges(preview(false));
    assert.deepEqual([changes.access, changes.keys], [[], []]);
  });
});
