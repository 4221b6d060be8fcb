import { buildApp } from "../backend/app";
import { loadConfig } from "../backend/config";
import type { Store } from "../backend/store/db";
import type { UsageRuntime } from "../backend/usage/usage.runtime";

/**
 * Prints the backend's /openapi.json without a store or a network port (for the lint in CI):
 * the document is built from the route table alone (store and usage are never touched).
 */
async function main(): Promise<void> {
  const app = buildApp({ config: loadConfig({ TENANCY_DATABASE_URL: "sqlite:unused.db", TENANCY_LOG_LEVEL: "silent" }), store: {} as Store, usage: {} as UsageRuntime });
  const res = await app.inject({ method: "GET", url: "/openapi.json" });
  if (res.statusCode !== 200) throw new Error(`/openapi.json answered ${res.statusCode}`);
  process.stdout.write(`${res.body}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
