import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { TenancyError } from "../../schema/errors";
import { MemoryBudgets } from "../../backend/usage/budgets";
import { LimitsEngine, ProjectLimits } from "../../backend/usage/limits";
import { MemoryReservations } from "../../backend/usage/reservations";
import { Window } from "../../backend/usage/windows";

/**
 * The step-by-step admission and its settle on the engine as usage.runtime.ts wires it in process
 * (the path every instance without Redis takes, and the one with Redis falls back to). A project's
 * limits can change between two requests, so a window a refusal gave back to without having
 * taken from it shows up as extra headroom once that limit is set.
 */

/** A budget store that is out of reach, as Redis is during an outage. */
class UnreachableBudgets extends MemoryBudgets {
  override async reserve(): Promise<never> {
    throw new Error("the budget store is unreachable");
  }
}

function engineWith(budgets: MemoryBudgets, holdMs = 60_000): { engine: LimitsEngine; failures: unknown[] } {
  const failures: unknown[] = [];
  const tokens = new Window("tpm:");
  const engine = new LimitsEngine(new Window("rpm:"), tokens, budgets, new MemoryReservations(tokens), holdMs, (err) => failures.push(err));
  return { engine, failures };
}

const newProject = () => `p-${randomBytes(4).toString("hex")}`;
const request = (projectId: string, limits: ProjectLimits, tokens: number, costMicros = 0) => ({ projectId, limits, tokens, costMicros, now: new Date(), seedSpend: async () => 0 });
const refusal = (limit: string) => (err: TenancyError) => err.extras.limit === limit;
const settlement = (projectId: string, reservationId: string, tokens: number, costByMonth = new Map<string, number>()) => ({
  projectId,
  costByMonth,
  tokensByReservation: new Map([[reservationId, tokens]]),
  unreservedTokens: 0,
});

describe("admission step by step (in process)", () => {
  const { engine } = engineWith(new MemoryBudgets());

  it("admits a request that fills the tokens window exactly, and refuses a token-free one once it is full", async () => {
    const projectId = newProject();
    const limits = { tokensPerMinute: 100 };
    const filled = await engine.admit(request(projectId, limits, 100));
    assert.equal(filled.limits.tokensPerMinute!.remaining, 0);
    await assert.rejects(engine.admit(request(projectId, limits, 0)), refusal("tokensPerMinute"));
  });

  it("gives back nothing to a requests window the project does not limit when the tokens window refuses", async () => {
    const projectId = newProject();
    await engine.admit(request(projectId, { tokensPerMinute: 100 }, 60));
    await assert.rejects(engine.admit(request(projectId, { tokensPerMinute: 100 }, 60)), refusal("tokensPerMinute"));
    // The project now limits requests: the refused one was never counted, so one request fills the window.
    const next = await engine.admit(request(projectId, { requestsPerMinute: 1 }, 0));
    assert.equal(next.limits.requestsPerMinute!.remaining, 0);
  });

  it("gives back nothing to windows the project does not limit when the budget refuses", async () => {
    const projectId = newProject();
    await assert.rejects(engine.admit(request(projectId, { monthlyBudgetUsd: 0.01 }, 500, 20_000)), refusal("monthlyBudgetUsd"));
    const next = await engine.admit(request(projectId, { requestsPerMinute: 1, tokensPerMinute: 1000 }, 100));
    assert.deepEqual([next.limits.requestsPerMinute!.remaining, next.limits.tokensPerMinute!.remaining], [0, 900]);
  });

  it("counts the real tokens of a token-free request that a budget holds for", async () => {
    const projectId = newProject();
    const limits = { tokensPerMinute: 1000, monthlyBudgetUsd: 1 };
    const admitted = await engine.admit(request(projectId, limits, 0, 1000));
    await engine.settle(settlement(projectId, admitted.reservationId, 500), limits);
    assert.equal((await engine.admit(request(projectId, limits, 0))).limits.tokensPerMinute!.remaining, 500);
  });

  it("releases the budget hold of a reservation whose usage cost nothing", async () => {
    const projectId = newProject();
    const limits = { monthlyBudgetUsd: 0.01 };
    const held = await engine.admit(request(projectId, limits, 0, 8000));
    await assert.rejects(engine.admit(request(projectId, limits, 0, 8000)), refusal("monthlyBudgetUsd"));
    await engine.settle(settlement(projectId, held.reservationId, 0), limits);
    assert.equal((await engine.admit(request(projectId, limits, 0, 8000))).limits.monthlyBudgetUsd!.remaining, "0.002000");
  });
});

describe("admission step by step with the budget store out of reach (in process)", () => {
  const { engine, failures } = engineWith(new UnreachableBudgets());

  it("fails closed and gives back nothing to windows the project does not limit", async () => {
    const projectId = newProject();
    await assert.rejects(engine.admit(request(projectId, { monthlyBudgetUsd: 1 }, 500, 1000)), (err: TenancyError) => err.code === "limits_unavailable");
    assert.equal(failures.length, 1);
    const next = await engine.admit(request(projectId, { requestsPerMinute: 1, tokensPerMinute: 1000 }, 100));
    assert.deepEqual([next.limits.requestsPerMinute!.remaining, next.limits.tokensPerMinute!.remaining], [0, 900]);
  });
});

describe("a reservation kept longer than its budget hold (in process)", () => {
  // TENANCY_RESERVATION_TTL_SECONDS may be shorter than the tokens window: the reservation must still
  // live as long as the window its estimate was charged to.
  const holdMs = 1;
  const { engine } = engineWith(new MemoryBudgets(), holdMs);

  it("corrects the estimate after the hold lapsed instead of counting the tokens again", async () => {
    const projectId = newProject();
    const limits = { tokensPerMinute: 1000 };
    const admitted = await engine.admit(request(projectId, limits, 600));
    const lapsed = Date.now() + holdMs;
    while (Date.now() <= lapsed) await new Promise((r) => setImmediate(r));
    await engine.settle(settlement(projectId, admitted.reservationId, 600), limits);
    assert.equal((await engine.admit(request(projectId, limits, 0))).limits.tokensPerMinute!.remaining, 400);
  });
});
