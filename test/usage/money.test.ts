import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import fc from "fast-check";
import { join } from "node:path";
import { DIALECTS } from "../support/backend";
import { expectStatus, useBackend } from "../backend/helpers";
import { createProject, eventId, tenant, Tenant, UsageEventInput } from "./support";

/**
 * Money past 2^53 micro-USD: one batch of 50 events at the price loader's own maximum (1,000,000
 * USD per million tokens, 100,000,000 tokens each way) is 10 billion USD, 10^16 micro-USD, more
 * than a double holds exactly. Every view and authorize must still answer, to the micro-dollar.
 */
export function maxPricesFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), "tenancy-prices-")), "prices.yaml");
  writeFileSync(
    file,
    [
      "prices:",
      "  - { model: max-model, inputUsdPerMillion: 1000000, outputUsdPerMillion: 1000000, effectiveFrom: 2020-01-01 }",
      "  - { model: odd-model, inputUsdPerMillion: 1, outputUsdPerMillion: 999999.999999, effectiveFrom: 2020-01-01 }",
    ].join("\n"),
  );
  return file;
}

const MAX_TOKENS = 100_000_000;
/** These suites send thousands of events a second on purpose; ingestion.test.ts tests that limit. */
const UNLIMITED = { TENANCY_USAGE_EVENTS_PER_SECOND: "0", TENANCY_GATEWAY_EVENTS_PER_SECOND: "0" };
export const maxEvent = (): UsageEventInput => ({ eventId: eventId("max"), model: "max-model", inputTokens: MAX_TOKENS, outputTokens: MAX_TOKENS });

for (const dialect of DIALECTS) {
  describe(`money past 2^53 micro-USD (${dialect.name})`, () => {
    const { backend } = useBackend({ dialect, env: { TENANCY_PRICES: maxPricesFile(), ...UNLIMITED } });
    let t: Tenant;
    before(async () => {
      t = await tenant(backend, { big: { monthlyBudgetUsd: 1000 }, open: {} });
    });

    it("keeps usage, costs, invoices and authorize answering, exact to the micro-dollar, after a month passes 2^53 micro-USD", async () => {
      const { big, open } = t.projects;
      // 50 × 200,000,000 USD, plus one token that costs one micro-dollar: 10^16 + 1 is no double.
      const events = [...Array.from({ length: 50 }, maxEvent), { eventId: eventId("one"), model: "odd-model", inputTokens: 1, outputTokens: 0 }];
      assert.deepEqual(expectStatus(await big.gateway.usage(events), 200), { accepted: 51, duplicates: 0 });
      const total = "10000000000.000001";

      const month = new Date().toISOString().slice(0, 7);
      const invoice = expectStatus(await t.root.get(`/v1/organizations/${t.orgId}/invoices?month=${month}`), 200);
      assert.deepEqual(invoice.data, [
        {
          month,
          status: "open",
          totalUsd: total,
          lines: [
            { projectId: big.id, projectName: "big", model: "max-model", inputTokens: 50 * MAX_TOKENS, outputTokens: 50 * MAX_TOKENS, costUsd: "10000000000.000000" },
            { projectId: big.id, projectName: "big", model: "odd-model", inputTokens: 1, outputTokens: 0, costUsd: "0.000001" },
          ],
        },
      ]);
      for (const view of ["usage", "costs"]) {
        const rows = expectStatus(await t.root.get(`/v1/organizations/${t.orgId}/${view}?groupBy=project`), 200).data;
        assert.deepEqual(
          rows.map((r: any) => [r.projectId, r.requests, r.costUsd]),
          [[big.id, 51, total]],
          view,
        );
      }
      // The budget counter is a double (budgets.ts): past 2^53 it only has to stay above the budget.
      const refused = expectStatus(await big.gateway.authorize({ model: "max-model" }), 429);
      assert.equal(refused.limit, "monthlyBudgetUsd");
      assert.match(refused.detail, /^monthlyBudgetUsd exceeded: \d+\.\d{6} of 1000\.000000 USD used or reserved this month; retry after \d+ s$/);
      expectStatus(await open.gateway.authorize({ model: "max-model" }), 200);
    });

    it("refuses with a 400 saying why a batch that would take an organization's month past what its views can sum exactly", async () => {
      const p = await createProject(backend, t.root, t.orgId, "bound");
      // 1,000 events at the maximum are 2 × 10^17 micro-USD; the month's bound is 5 × 10^17.
      const batch = () => Array.from({ length: 1000 }, maxEvent);
      assert.equal(expectStatus(await p.gateway.usage(batch()), 200).accepted, 1000);
      assert.equal(expectStatus(await p.gateway.usage(batch()), 200).accepted, 1000);
      const month = new Date().toISOString().slice(0, 7);
      const before = expectStatus(await t.root.get(`/v1/organizations/${t.orgId}/invoices?month=${month}`), 200).data[0].totalUsd;
      const refused = expectStatus(await p.gateway.usage(batch()), 400);
      assert.equal(refused.code, "invalid_request");
      assert.deepEqual(refused.errors, [
        {
          path: "events",
          message: `would take organization ${t.orgId}'s ${month} past 500000000000.000000 USD, the most one organization's month can hold (the views sum up to 13 months exactly); nothing in this batch was recorded`,
        },
      ]);
      const after = expectStatus(await t.root.get(`/v1/organizations/${t.orgId}/invoices?month=${month}`), 200).data[0].totalUsd;
      assert.equal(after, before);
      expectStatus(await p.gateway.usage([{ eventId: eventId("small"), model: "odd-model", inputTokens: 3, outputTokens: 0 }]), 200);
    });
  });
}

/** The exact cost of an event, computed here independently: tokens × micro-USD per million / 10^6, half up. */
const PRICES: Record<string, [bigint, bigint]> = { "max-model": [1_000_000_000_000n, 1_000_000_000_000n], "odd-model": [1_000_000n, 999_999_999_999n] };
const expectedCost = (e: UsageEventInput) => {
  const [input, output] = PRICES[e.model];
  return (BigInt(e.inputTokens) * input + BigInt(e.outputTokens) * output + 500_000n) / 1_000_000n;
};
const usd = (micros: bigint) => `${micros / 1_000_000n}.${String(micros % 1_000_000n).padStart(6, "0")}`;
const sum = (values: string[]) => values.reduce((s, v) => s + BigInt(v.replace(".", "")), 0n);

for (const dialect of DIALECTS) {
  describe(`money, for any set of accepted events (${dialect.name})`, () => {
    const { backend } = useBackend({ dialect, env: { TENANCY_PRICES: maxPricesFile(), ...UNLIMITED } });

    it("has invoice total = sum of invoice lines = sum of cost rows = sum of usage rows = the events' costs, to the micro-dollar", async () => {
      const tokens = fc.oneof(fc.constant(0), fc.constant(MAX_TOKENS), fc.integer({ min: 0, max: MAX_TOKENS }));
      const event = fc.record({ model: fc.constantFrom("max-model", "odd-model"), inputTokens: tokens, outputTokens: tokens });
      const run = fc.record({
        batches: fc.array(fc.array(event, { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 4 }),
        // Events at the maximum up front: from 46 of them the month is past 2^53 micro-USD.
        atMaximum: fc.integer({ min: 0, max: 120 }),
        replay: fc.boolean(),
        refused: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(run, async ({ batches, atMaximum, replay, refused }) => {
          // A fresh organization per run: its invoice holds exactly this run's events.
          const t = await tenant(backend, { p: {} });
          const p = t.projects.p;
          const maximal = Array.from({ length: atMaximum }, () => ({ model: "max-model", inputTokens: MAX_TOKENS, outputTokens: MAX_TOKENS }));
          const sent = [...batches, ...(atMaximum > 0 ? [maximal] : [])].map((b) => b.map((e) => ({ ...e, eventId: eventId("prop") })));
          for (const b of sent) expectStatus(await p.gateway.usage(b), 200);
          if (replay) assert.deepEqual(expectStatus(await p.gateway.usage(sent[0]), 200), { accepted: 0, duplicates: sent[0].length });
          if (refused) expectStatus(await p.gateway.usage([...sent[0].map((e) => ({ ...e, eventId: eventId("no") })), { eventId: eventId("no"), model: "unpriced", inputTokens: 1, outputTokens: 1 }]), 422);
          const expected = usd(sent.flat().reduce((s, e) => s + expectedCost(e), 0n));

          const [invoice] = expectStatus(await t.root.get(`/v1/organizations/${t.orgId}/invoices`), 200).data;
          const costs = expectStatus(await t.root.get(`/v1/organizations/${t.orgId}/costs?bucket=1h&groupBy=project,apiKey,model`), 200).data;
          const usage = expectStatus(await t.root.get(`/v1/organizations/${t.orgId}/usage?groupBy=model`), 200).data;
          assert.deepEqual(
            [invoice.totalUsd, usd(sum(invoice.lines.map((l: any) => l.costUsd))), usd(sum(costs.map((r: any) => r.costUsd))), usd(sum(usage.map((r: any) => r.costUsd)))],
            [expected, expected, expected, expected],
          );
        }),
        { numRuns: 12 },
      );
    });
  });
}
