import autocannon = require("autocannon");
import { startBackend } from "../test/support/backend";
import { authorizeTarget } from "./authorize-target";

async function main() {
  const which = process.argv[2];
  const dir = `/tmp/perfnotes/prof-${which}`;
  const b = await startBackend({ env: { TENANCY_RATE_LIMIT_PER_MINUTE: "10000000", NODE_OPTIONS: "--require /tmp/perfnotes/prof.js", PROF_DIR: dir }, logToFile: true });
  const auth = { authorization: `Bearer ${b.token}` };
  const call = async (method: string, path: string, body?: unknown) => (await (await fetch(b.url + path, { method, headers: { ...auth, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) })).json()) as { id: string };
  const org = await call("POST", "/v1/organizations", { name: "P" });
  const project = await call("POST", `/v1/organizations/${org.id}/projects`, { name: "cpu", environment: "development" });
  const { target } = await authorizeTarget(b);
  const t = which === "me" ? { url: `${b.url}/v1/me`, headers: auth } : which === "read" ? { url: `${b.url}/v1/organizations/${org.id}/projects/${project.id}`, headers: auth } : which === "healthz" ? { url: `${b.url}/healthz` } : { url: `${b.url}/v1/authorize`, ...target };
  const r = await autocannon({ connections: 32, amount: Number(process.env.N ?? 20000), ...t } as autocannon.Options);
  console.log(which, r.non2xx, r.errors, r.requests.average);
  await b.dispose();
}
main();
