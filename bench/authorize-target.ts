import { Backend } from "../test/support/backend";
import { storeGateway } from "../test/support/gateway";
import { tenant } from "../test/usage/support";
import { Target } from "./http.bench";

/**
 * The one place the benchmarks build their `POST /v1/authorize` request: the operator's gateway
 * credential as the bearer, the project's client key as the subject in the body.
 */
export async function authorizeTarget(b: Backend): Promise<{ target: Target & { method: "POST"; headers: Record<string, string> }; clientKey: string; gateway: string }> {
  const t = await tenant(b, { bench: { requestsPerMinute: 10_000_000, tokensPerMinute: 1_000_000_000, monthlyBudgetUsd: 1_000_000_000 } });
  const clientKey = t.projects.bench.key;
  const gateway = await storeGateway(b.databaseUrl);
  const headers = { authorization: `Bearer ${gateway}`, "content-type": "application/json" };
  return { target: { method: "POST", headers, body: JSON.stringify({ apiKey: clientKey, model: "gpt-4o-mini", inputTokens: 100, maxOutputTokens: 100 }) }, clientKey, gateway };
}
