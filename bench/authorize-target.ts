import { Backend } from "../test/support/backend";
import { tenant } from "../test/usage/support";
import { Target } from "./http.bench";

/**
 * The one place the benchmarks build their `POST /v1/authorize` request: who calls (today the
 * project's client key as the bearer) and what it asks. When the gateway's caller changes, change
 * it here and every authorize benchmark follows.
 */
export async function authorizeTarget(b: Backend): Promise<{ target: Target & { method: "POST"; headers: Record<string, string> }; clientKey: string }> {
  const t = await tenant(b, { bench: { requestsPerMinute: 10_000_000, tokensPerMinute: 1_000_000_000, monthlyBudgetUsd: 1_000_000_000 } });
  const clientKey = t.projects.bench.key;
  const headers = { authorization: `Bearer ${clientKey}`, "content-type": "application/json" };
  return { target: { method: "POST", headers, body: JSON.stringify({ model: "gpt-4o-mini", inputTokens: 100, maxOutputTokens: 100 }) }, clientKey };
}
