import assert from "node:assert/strict";
import { TenancyClient } from "../../provider/client";
import { fromSteps, resolveIds, reviewPreview, summarizeChanges } from "../../provider/review";
import { Backend, DIALECTS, startBackend } from "../support/backend";
import { accounts, post } from "../provider/support";
import { tenancyProvider } from "./support";

/**
 * The review names the backend's objects, not the program's claims: every organization, project
 * and user id a step names is read through the API with a viewer's token and shown by the
 * backend's name and id; an id the backend does not know is shown as such; an organization the
 * stack does not declare (another stack's) is read for its key lifetime and its guardrails.
 */

const T = "pulumi-nodejs:dynamic/tenancy:";
const urn = (kind: string, name: string) => `urn:pulumi:s1::p::${T}${kind}::${name}`;
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
interface StepOptions {
  old?: { id: string; inputs: Record<string, unknown> };
  /** The project resource of this stack a `projectId` still unknown comes from. */
  project?: string;
}
const step = (op: string, kind: "Project" | "Membership" | "ApiKey", name: string, inputs: Record<string, unknown>, { old, project }: StepOptions = {}) => ({
  op,
  urn: urn(kind, name),
  ...(old ? { oldState: { type: `${T}${kind}`, id: old.id, inputs: { ...old.inputs, __provider: tenancyProvider(kind) } } } : {}),
  newState: {
    type: `${T}${kind}`,
    inputs: { ...inputs, ...(project ? { projectId: UNKNOWN } : {}), __provider: tenancyProvider(kind) },
    ...(project ? { propertyDependencies: { projectId: [urn("Project", project)] } } : {}),
  },
});
const newStack = { op: "create", urn: "urn:pulumi:s1::p::pulumi:pulumi:Stack::p-s1", newState: { type: "pulumi:pulumi:Stack" } };
const LAUNCH = { environment: "production", escalationContact: "cleo@acme.test", limits: { requestsPerMinute: 100, monthlyBudgetUsd: 100 } };

for (const dialect of DIALECTS) {
  describe(`tenancy review resolves ids through the API (${dialect.name})`, function () {
    this.timeout(60_000);
    let backend: Backend;
    let root: TenancyClient;
    let viewer: TenancyClient;
    let cappedViewer: TenancyClient;
    let org: { id: string };
    let capped: { id: string };
    let prod: { id: string };
    let ana: { userId: string };

    before(async () => {
      backend = await startBackend({ dialect });
      await accounts(backend, ["ana@acme.test", "ben@acme.test", "cleo@acme.test", "eve@acme.test"]);
      root = new TenancyClient({ endpoint: backend.url, token: backend.token });
      org = await root.organizations.create({ name: "Acme" });
      capped = await root.organizations.create({ name: "Capped", settings: { apiKeyMaxLifetimeDays: 365 } });
      prod = await root.projects.create(org.id, { name: "chat-prod", environment: "development" });
      ana = await root.members.add({ organizationId: org.id }, { email: "ana@acme.test", role: "member" });
      viewer = await viewerOf(org.id);
      cappedViewer = await viewerOf(capped.id);
    });
    /** The pull request's job reads with a viewer service account's token. */
    const viewerOf = async (orgId: string) => {
      const sa = await post(backend, `/v1/organizations/${orgId}/service-accounts`, { name: "pr preview", role: "viewer" });
      const { token } = await post(backend, `/v1/organizations/${orgId}/service-accounts/${sa.userId}/tokens`, { name: "preview" });
      return new TenancyClient({ endpoint: backend.url, token });
    };
    after(() => backend?.dispose());

    it("names the organization, project and user a step acts on as the backend does, with their ids, whatever the program calls them", async () => {
      const preview = fromSteps([
        step("create", "Membership", "decoy:member:eve@acme.test", { organizationId: org.id, projectId: prod.id, email: "eve@acme.test", role: "owner" }),
        step("update", "Membership", "member:ana", { organizationId: org.id, email: "ana@acme.test", role: "admin" }, { old: { id: `${org.id}/${ana.userId}`, inputs: { organizationId: org.id, email: "ana@acme.test", role: "member" } } }),
      ]);
      const access = summarizeChanges(preview, await resolveIds(preview, viewer)).access.map((a) => `${a.who} ${a.change} ${a.role} in ${a.where}`);
      assert.deepEqual(access, [
        `eve@acme.test gains owner in project chat-prod (${prod.id})`,
        `ana@acme.test (${ana.userId}) changes admin in organization Acme (${org.id})`,
      ]);
    });

    it("shows an id the backend does not know, malformed or not, as not found", async () => {
      const missing = prod.id.slice(0, -4) + (prod.id.endsWith("AAAA") ? "BBBB" : "AAAA");
      const preview = fromSteps([
        step("create", "Membership", "ghost:member:eve@acme.test", { organizationId: org.id, projectId: missing, email: "eve@acme.test", role: "owner" }),
        // A malformed id names nothing either (the backend answers 404): it does not fail the review.
        step("create", "Membership", "malformed:member:eve@acme.test", { organizationId: org.id, projectId: "proj_x", email: "eve@acme.test", role: "owner" }),
      ]);
      const access = summarizeChanges(preview, await resolveIds(preview, viewer)).access.map((a) => `${a.who} ${a.change} ${a.role} in ${a.where}`);
      assert.deepEqual(access, [`eve@acme.test gains owner in project ${missing} (not found in the backend)`, "eve@acme.test gains owner in project proj_x (not found in the backend)"]);
    });

    it("judges a production key by its organization in another stack: no lifetime there is a finding", async () => {
      const preview = fromSteps([
        newStack,
        step("create", "Project", "chat-prod", { organizationId: org.id, name: "chat-prod", ...LAUNCH }),
        step("create", "Membership", "chat-prod:member:ben", { organizationId: org.id, email: "ben@acme.test", role: "owner" }, { project: "chat-prod" }),
        step("create", "ApiKey", "chat-prod:key:backend", { name: "backend", owner: "ben@acme.test" }, { project: "chat-prod" }),
      ]);
      const review = reviewPreview(preview, { directory: await resolveIds(preview, viewer) });
      assert.deepEqual(review.findings.map((f) => `${f.rule}: ${f.message}`), ["production-launch-checklist: production key backend never expires"]);
      assert.match(review.markdown, /\| chat-prod\/backend \| created \| ben\\@⁠acme\.test \| all \| never \|/);
    });

    it("shows a key's expiry from its organization's lifetime in another stack", async () => {
      const preview = fromSteps([
        newStack,
        step("create", "Project", "capped-prod", { organizationId: capped.id, name: "capped-prod", ...LAUNCH }),
        step("create", "ApiKey", "capped-prod:key:backend", { name: "backend", owner: "ben@acme.test" }, { project: "capped-prod" }),
      ]);
      const review = reviewPreview(preview, { directory: await resolveIds(preview, cappedViewer) });
      assert.equal(review.findings.filter((f) => f.rule === "production-launch-checklist").length, 0);
      assert.match(review.markdown, /\| capped-prod\/backend \| created \| ben\\@⁠acme\.test \| all \| 365 days \(organization maximum\) \|/);
    });
  });
}
