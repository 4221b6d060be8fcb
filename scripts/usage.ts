import { month as monthSchema } from "../schema/usage";
import { ConfigError, loadConfig } from "../backend/config";
import { openStore } from "../backend/store/db";
import { existsSync } from "node:fs";
import { pendingMigrations } from "../backend/store/migrate";
import { findOrganizationEvenDeleted } from "../backend/store/organizations.repository";
import { invoiceStatus } from "../backend/usage/data-plane.service";
import { formatUsd } from "../backend/usage/money";
import { monthlyLines } from "../backend/usage/usage.repository";

const USAGE = "usage: npm run -s usage -- --org ORG_ID [--month YYYY-MM]";

function parseArgs(argv: string[]): { orgId: string; month: string } {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] !== "--org" && argv[i] !== "--month") throw new ConfigError(`unknown argument "${argv[i]}"\n${USAGE}`);
    if (argv[i + 1] === undefined) throw new ConfigError(`${argv[i]} needs a value\n${USAGE}`);
    args.set(argv[i], argv[i + 1]);
  }
  const orgId = args.get("--org");
  if (!orgId) throw new ConfigError(`--org is required\n${USAGE}`);
  const month = args.get("--month") ?? new Date().toISOString().slice(0, 7);
  if (!monthSchema.safeParse(month).success) throw new ConfigError(`--month must be a month as YYYY-MM, got "${month}"\n${USAGE}`);
  return { orgId, month };
}

// The layout table's format (provider/layout/deploy.ts), without loading the Pulumi SDK for it.
function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/**
 * On the server host: the month's costs of an organization per project, as a table, read from
 * the store of TENANCY_DATABASE_URL (the same rollups the invoice view reads).
 */
async function main(): Promise<void> {
  const { orgId, month } = parseArgs(process.argv.slice(2));
  const url = loadConfig().databaseUrl;
  // Opening a SQLite path creates it: a mistyped path must not leave an empty store behind.
  if (url.startsWith("sqlite:") && !existsSync(url.slice("sqlite:".length))) {
    throw new ConfigError(`TENANCY_DATABASE_URL names no database: ${url.slice("sqlite:".length)} does not exist; point it at the server's store`);
  }
  const store = openStore(url);
  try {
    // A report reads; changing the schema under a running server is the server's job, not its.
    const pending = await pendingMigrations(store.db);
    if (pending.length > 0) {
      throw new ConfigError(`the store of TENANCY_DATABASE_URL is not a tenancy store at this version's schema (it lacks ${pending.join(", ")}); point it at the server's store, or start this version's server once`);
    }
    const org = await findOrganizationEvenDeleted(store.db, orgId);
    if (!org) throw new ConfigError(`no organization "${orgId}" in the store of TENANCY_DATABASE_URL`);
    // Exact sums: a month may pass 2^53 micro-USD (backend/usage/month-bounds.ts).
    const byProject = new Map<string, { name: string; requests: bigint; input: bigint; output: bigint; cost: bigint }>();
    for (const l of await monthlyLines(store.db, orgId, month)) {
      const p = byProject.get(l.project_id) ?? { name: l.project_name, requests: 0n, input: 0n, output: 0n, cost: 0n };
      p.requests += BigInt(l.requests);
      p.input += BigInt(l.input_tokens);
      p.output += BigInt(l.output_tokens);
      p.cost += BigInt(l.cost_micros);
      byProject.set(l.project_id, p);
    }
    const rows = [...byProject.entries()].map(([id, p]) => [p.name, id, String(p.requests), String(p.input), String(p.output), formatUsd(p.cost)]);
    const total = [...byProject.values()].reduce((s, p) => s + p.cost, 0n);
    rows.push(["total", "", "", "", "", formatUsd(total)]);
    const header = ["project", "id", "requests", "input tokens", "output tokens", "cost USD"];
    const deleted = org.deleted_at ? `, deleted ${org.deleted_at}` : "";
    process.stdout.write(`${org.name} (${orgId}${deleted}), ${month} (${invoiceStatus(month, new Date())}):\n\n${formatTable(header, rows)}\n`);
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : `usage: ${error instanceof Error ? error.message : String(error)}`}\n`);
  process.exit(1);
});
