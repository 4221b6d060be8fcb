import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Backend, startBackend } from "../support/backend";
import { client, expectStatus } from "../backend/helpers";
import { defaultPricesPath, loadPrices } from "../../backend/usage/prices";
import { tenant } from "./support";

function pricesFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "tenancy-prices-")), "prices.yaml");
  writeFileSync(file, text);
  return file;
}

describe("prices", () => {
  it("ships list prices of widely used models, effective-dated, readable with any management token", async () => {
    const backend = await startBackend();
    try {
      const body = expectStatus(await client(backend, backend.token).get("/v1/prices"), 200);
      const o3 = body.data.filter((p: any) => p.model === "o3");
      assert.deepEqual(o3, [
        { model: "o3", inputUsdPerMillion: "10.000000", outputUsdPerMillion: "40.000000", effectiveFrom: "2025-04-16T00:00:00.000Z" },
        { model: "o3", inputUsdPerMillion: "2.000000", outputUsdPerMillion: "8.000000", effectiveFrom: "2025-06-10T00:00:00.000Z" },
      ]);
      const models = new Set(body.data.map((p: any) => p.model));
      for (const m of ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.5-pro", "mistral-large"]) assert.ok(models.has(m), m);
    } finally {
      await backend.dispose();
    }
  });

  describe("TENANCY_PRICES", () => {
    let backend: Backend;
    // A price change 2 minutes from now: events dated either side of it are priced differently.
    // When the second price takes effect: two minutes after the backend starts (within the five
    // minutes an event may lie ahead), taken in before(), not when mocha loads the file, which in
    // a full run is many minutes earlier (the event would then predate its key).
    let change: Date;
    before(async () => {
      change = new Date(Math.ceil((Date.now() + 120_000) / 1000) * 1000);
      const file = pricesFile(
        [
          "prices:",
          "  - model: house-model",
          '    inputUsdPerMillion: "1.5"',
          "    outputUsdPerMillion: 3",
          "    effectiveFrom: 2020-01-01",
          "  - model: house-model",
          "    inputUsdPerMillion: 1000",
          "    outputUsdPerMillion: 1000",
          `    effectiveFrom: ${change.toISOString()}`,
        ].join("\n"),
      );
      backend = await startBackend({ env: { TENANCY_PRICES: file } });
    });
    after(() => backend?.dispose());

    it("replaces the shipped table and prices each event at its own time", async () => {
      const body = expectStatus(await client(backend, backend.token).get("/v1/prices"), 200);
      assert.deepEqual(body.data, [
        { model: "house-model", inputUsdPerMillion: "1.500000", outputUsdPerMillion: "3.000000", effectiveFrom: "2020-01-01T00:00:00.000Z" },
        { model: "house-model", inputUsdPerMillion: "1000.000000", outputUsdPerMillion: "1000.000000", effectiveFrom: change.toISOString() },
      ]);
      const t = await tenant(backend, { house: {} });
      const g = t.projects.house.gateway;
      assert.equal(expectStatus(await g.authorize({ model: "gpt-4o" }), 422).code, "unknown_model");
      const events = [
        { eventId: "before", model: "house-model", inputTokens: 1_000_000, outputTokens: 1_000_000 },
        { eventId: "after", model: "house-model", inputTokens: 1, outputTokens: 0, at: new Date(change.getTime() + 1000).toISOString() },
      ];
      expectStatus(await g.usage(events), 200);
      const rows = expectStatus(await t.root.get(`/v1/organizations/${t.orgId}/costs?bucket=1h&to=${new Date(Math.ceil((Date.now() + 3_600_000 * 2) / 3_600_000) * 3_600_000).toISOString()}`), 200).data;
      const total = rows.reduce((s: number, r: any) => s + Number(r.costUsd.replace(".", "")), 0);
      // 1.5 + 3 USD before the change; 1 token at 1000 USD per million after it.
      assert.equal(total, 4_500_000 + 1000);
    });
  });

  it("refuses to start on a price too large to count in micro-USD or with more than 6 decimals, saying which and the maximum", async () => {
    const file = pricesFile(
      [
        "prices:",
        "  - { model: huge, inputUsdPerMillion: 99999999999, outputUsdPerMillion: 1, effectiveFrom: 2025-01-01 }",
        '  - { model: longer, inputUsdPerMillion: 1, outputUsdPerMillion: "1234567890123", effectiveFrom: 2025-01-01 }',
        "  - { model: finer, inputUsdPerMillion: 0.1234567, outputUsdPerMillion: 1000000, effectiveFrom: 2025-01-01 }",
      ].join("\n"),
    );
    await assert.rejects(startBackend({ env: { TENANCY_PRICES: file } }), (err: Error) => {
      const lines = err.message.split("\n").filter((l) => l.includes(file)).map((l) => l.slice(l.indexOf(file)));
      assert.deepEqual(lines, [
        `${file}:2: prices[0].inputUsdPerMillion: must be at most 1000000 USD per million tokens`,
        `${file}:3: prices[1].outputUsdPerMillion: must be at most 1000000 USD per million tokens`,
        `${file}:4: prices[2].inputUsdPerMillion: must have at most 6 decimal places (prices are whole micro-USD per million tokens)`,
      ]);
      return true;
    });
  });

  it("refuses to start on a bad price file, naming the line and field", async () => {
    const file = pricesFile(["prices:", "  - model: ok-model", "    inputUsdPerMillion: 1", "    outputUsdPerMillion: -2", "    effectiveFrom: someday"].join("\n"));
    await assert.rejects(startBackend({ env: { TENANCY_PRICES: file } }), (err: Error) => {
      assert.match(err.message, new RegExp(`${file}:4: prices\\[0\\]\\.outputUsdPerMillion: must be a non-negative USD amount with at most 6 decimals, such as 2\\.50`));
      assert.match(err.message, new RegExp(`${file}:5: prices\\[0\\]\\.effectiveFrom: must be a date \\(2025-06-10\\) or an RFC 3339 timestamp`));
      return true;
    });
  });

  it("resolves the names of widely used models as their APIs take them, snapshots and aliases included", () => {
    const table = loadPrices(defaultPricesPath());
    const names: [string, string][] = [
      ["gpt-4o-2024-08-06", "gpt-4o"],
      ["gpt-4o-mini-2024-07-18", "gpt-4o-mini"],
      ["gpt-4.1-2025-04-14", "gpt-4.1"],
      ["o3-2025-04-16", "o3"],
      ["o3-mini-2025-01-31", "o3-mini"],
      ["gpt-5-2025-08-07", "gpt-5"],
      ["gpt-3.5-turbo-0125", "gpt-3.5-turbo"],
      ["claude-sonnet-4-5-20250929", "claude-sonnet-4-5"],
      ["claude-sonnet-4-20250514", "claude-sonnet-4"],
      ["claude-opus-4-1-20250805", "claude-opus-4-1"],
      ["claude-haiku-4-5-20251001", "claude-haiku-4-5"],
      ["claude-3-5-haiku-20241022", "claude-3-5-haiku"],
      ["claude-3-7-sonnet-20250219", "claude-3-7-sonnet"],
      ["claude-3-5-haiku-latest", "claude-3-5-haiku"],
      ["claude-sonnet-4-0", "claude-sonnet-4"],
      ["gemini-2.5-pro", "gemini-2.5-pro"],
      ["gemini-2.0-flash-001", "gemini-2.0-flash"],
      ["mistral-large-latest", "mistral-large"],
      ["mistral-small-2503", "mistral-small"],
    ];
    assert.deepEqual(names.map(([m]) => [m, table.resolve(m)]), names);
    assert.equal(table.priceAt("gpt-4o-mini", "2025-01-01T00:00:00.000Z")?.model, "gpt-4o-mini");
  });

  it("refuses an alias that has prices of its own or names no priced model, naming the line", () => {
    const prices = "prices:\n  - { model: a-model, inputUsdPerMillion: 1, outputUsdPerMillion: 1, effectiveFrom: 2025-01-01 }\n";
    const shadow = pricesFile(`${prices}aliases:\n  a-model: a-model\n`);
    assert.throws(() => loadPrices(shadow), { message: `${shadow}:4: aliases.a-model: "a-model" has prices of its own; an alias must be a name without any` });
    const dangling = pricesFile(`${prices}aliases:\n  b-latest: a-model\n  c-latest: c-model\n`);
    assert.throws(() => loadPrices(dangling), { message: `${dangling}:5: aliases.c-latest: must name a model listed under prices, got "c-model"` });
  });
});
