import assert from "node:assert/strict";
import { baseName } from "../../backend/usage/model-names";
import { DIALECTS } from "../support/backend";
import { expectStatus, sqlQuery, useBackend } from "../backend/helpers";
import { createProject, eventId, tenant, Tenant } from "./support";

describe("model names as clients send them", () => {
  const priced = new Set(["gpt-4o", "gpt-4o-mini", "gpt-4", "claude-sonnet-4", "claude-sonnet-4-5", "claude-3-5-haiku", "claude-3-5-sonnet", "gemini-1.5-pro", "mistral-large", "deepseek", "o3"]);
  const resolve = (model: string) => baseName(model, (n) => priced.has(n));

  it("resolves dated and versioned snapshots to the longest priced name they extend", () => {
    const cases: [string, string][] = [
      ["gpt-4o", "gpt-4o"],
      ["gpt-4o-2024-08-06", "gpt-4o"],
      ["gpt-4o-mini-2024-07-18", "gpt-4o-mini"],
      ["claude-sonnet-4-5-20250929", "claude-sonnet-4-5"],
      ["claude-sonnet-4-20250514", "claude-sonnet-4"],
      ["claude-3-5-haiku-20241022", "claude-3-5-haiku"],
      ["claude-3-5-sonnet@20240620", "claude-3-5-sonnet"],
      ["claude-3-5-sonnet-20240620-v1:0", "claude-3-5-sonnet"],
      ["gpt-4-0613", "gpt-4"],
      ["mistral-large-2411", "mistral-large"],
      ["gemini-1.5-pro-002", "gemini-1.5-pro"],
      ["o3-2025-04-16", "o3"],
    ];
    assert.deepEqual(cases.map(([m]) => [m, resolve(m)]), cases);
  });

  it("never takes another model for a snapshot", () => {
    for (const model of ["gpt-4o-mini-tts", "gpt-4o-audio-preview", "claude-sonnet-4-6", "claude-3-5-haiku-latest", "deepseek-v3", "o3-mini", "o3-pro-2025-06-10", "gpt-4o-2024-08-06-mini", "gpt-4o-", "gpt-4o-12", "gpt-4o2024-08-06", "gpt-4.1"]) {
      assert.equal(resolve(model), undefined, model);
    }
  });
});

for (const dialect of DIALECTS) {
  describe(`model names at authorize and usage (${dialect.name})`, () => {
    const { backend } = useBackend({ dialect });
    let t: Tenant;
    before(async () => {
      t = await tenant(backend, { any: {}, family: { allowedModels: ["gpt-4o", "claude-3-5-haiku"] }, pinned: { allowedModels: ["gpt-4o-2024-08-06"] } });
    });

    it("authorizes and prices the dated snapshot names clients send, recording the name sent and the price entry used", async () => {
      const p = t.projects.any;
      for (const model of ["gpt-4o-2024-08-06", "claude-sonnet-4-5-20250929", "claude-3-5-haiku-20241022", "claude-3-5-haiku-latest", "mistral-large-2411"]) {
        expectStatus(await p.gateway.authorize({ model }), 200);
      }
      const events = [
        { eventId: eventId("snap"), model: "gpt-4o-2024-08-06", inputTokens: 1_000_000, outputTokens: 0 },
        { eventId: eventId("snap"), model: "claude-sonnet-4-5-20250929", inputTokens: 1_000_000, outputTokens: 0 },
        { eventId: eventId("snap"), model: "claude-3-5-haiku-latest", inputTokens: 1_000_000, outputTokens: 0 },
      ];
      assert.deepEqual(expectStatus(await p.gateway.usage(events), 200), { accepted: 3, duplicates: 0 });
      const rows = await sqlQuery(backend, "select model, priced_as, cost_micros from usage_events where project_id = $1 order by model", [p.id]);
      assert.deepEqual(
        rows.map((r: any) => [r.model, r.priced_as, Number(r.cost_micros)]),
        [
          ["claude-3-5-haiku-latest", "claude-3-5-haiku", 800_000],
          ["claude-sonnet-4-5-20250929", "claude-sonnet-4-5", 3_000_000],
          ["gpt-4o-2024-08-06", "gpt-4o", 2_500_000],
        ],
      );
      const unknown = expectStatus(await p.gateway.authorize({ model: "gpt-4o-mini-tts" }), 422);
      assert.equal(unknown.code, "unknown_model");
    });

    it("lets allowedModels allow a model's snapshots, and an exact snapshot only itself", async () => {
      const decide = async (project: string, model: string) => (await t.projects[project].gateway.authorize({ model })).status;
      assert.deepEqual(
        [
          await decide("family", "gpt-4o"),
          await decide("family", "gpt-4o-2024-08-06"),
          await decide("family", "claude-3-5-haiku-latest"),
          await decide("family", "gpt-4o-mini"),
          await decide("pinned", "gpt-4o-2024-08-06"),
          await decide("pinned", "gpt-4o"),
          await decide("pinned", "gpt-4o-2024-11-20"),
        ],
        [200, 200, 200, 403, 200, 403, 403],
      );
    });

    it("keeps a project's model line per name sent on the invoice", async () => {
      const p = await createProject(backend, t.root, t.orgId, "lines");
      await p.gateway.usage([{ eventId: eventId("l"), model: "gpt-4o-2024-08-06", inputTokens: 10, outputTokens: 0 }]);
      const month = new Date().toISOString().slice(0, 7);
      const inv = expectStatus(await t.root.get(`/v1/organizations/${t.orgId}/invoices?month=${month}`), 200).data[0];
      assert.deepEqual(inv.lines.filter((l: any) => l.projectId === p.id).map((l: any) => l.model), ["gpt-4o-2024-08-06"]);
    });
  });
}
