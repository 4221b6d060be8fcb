import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GatewayClient, GatewayError, GatewayUnavailableError, type Rejection, type UsageEvent } from "../../gateway";
import { DIALECTS } from "../support/backend";
import { mintGateway } from "../support/gateway";
import { call, expectStatus, useBackend } from "../backend/helpers";
import { eventId, eventually, tenant, type Tenant } from "../usage/support";

/**
 * Issue 21 item 6: the package's gateway client against a real backend. Every event a `report`
 * resolved for is billed exactly once, whatever happens between: a rate limit, a backend that
 * is down, a gateway process killed before its flush.
 */
const queueDirs: string[] = [];
const queueDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "tenancy-gw-queue-"));
  queueDirs.push(dir);
  return dir;
};
after(() => queueDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A free port on 127.0.0.1, so a restarted backend answers where the client already sends. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Requests and tokens the backend billed to a project this month, from the management view. */
async function billed(t: Tenant, projectId: string): Promise<{ requests: number; inputTokens: number }> {
  const rows = expectStatus(await t.root.get(`/v1/organizations/${t.orgId}/usage?groupBy=project&projectId=${projectId}&bucket=1d`), 200).data;
  return rows.reduce((s: { requests: number; inputTokens: number }, r: any) => ({ requests: s.requests + r.requests, inputTokens: s.inputTokens + r.inputTokens }), { requests: 0, inputTokens: 0 });
}

const events = (keyId: string, n: number, tag: string): UsageEvent[] =>
  Array.from({ length: n }, () => ({ eventId: eventId(tag), apiKeyId: keyId, model: "gpt-4o-mini", inputTokens: 10, outputTokens: 1 }));

for (const dialect of DIALECTS) {
  describe(`gateway client (${dialect.name})`, () => {
    // A port of its own, taken before useBackend starts the server: a restart answers on it again.
    let port: number;
    before(async () => (port = await freePort()));
    const { backend } = useBackend({ dialect, env: { get TENANCY_PORT() { return String(port); } } as Record<string, string> });
    let t: Tenant;
    let credential: string;
    before(async () => {
      t = await tenant(backend, { chat: {}, tight: { requestsPerMinute: 1 } });
      credential = await mintGateway(backend.databaseUrl, `client-${dialect.name}`);
    });
    const newClient = (dir = queueDir(), extra: Partial<ConstructorParameters<typeof GatewayClient>[0]> = {}) =>
      new GatewayClient({ endpoint: backend.url, credential, queueDir: dir, retry: { baseMs: 20, maxMs: 200 }, ...extra });

    it("authorizes a request and bills its reported event exactly once, even when reported twice", async () => {
      const p = t.projects.chat;
      const before = await billed(t, p.id);
      const client = newClient();
      const decision = await client.authorize({ apiKey: p.key, model: "gpt-4o-mini", inputTokens: 10, maxOutputTokens: 1 });
      assert.deepEqual([decision.apiKeyId, decision.projectId, decision.organizationId], [p.keyId, p.id, t.orgId]);
      const event = { eventId: eventId("once"), reservationId: decision.reservationId, model: "gpt-4o-mini", inputTokens: 10, outputTokens: 1 };
      await client.report(event);
      await client.report(event);
      await client.close();
      assert.deepEqual(await billed(t, p.id), { requests: before.requests + 1, inputTokens: before.inputTokens + 10 });
    });

    it("passes a refusal through as a typed error with its code, limit and Retry-After", async () => {
      const p = t.projects.tight;
      const client = newClient();
      await client.authorize({ apiKey: p.key, model: "gpt-4o-mini" });
      const refused = await client.authorize({ apiKey: p.key, model: "gpt-4o-mini" }).catch((e) => e);
      assert.ok(refused instanceof GatewayError, String(refused));
      assert.deepEqual([refused.status, refused.code, refused.limit], [429, "limit_exceeded", "requestsPerMinute"]);
      assert.ok(refused.retryAfterSeconds! >= 1 && refused.retryAfterSeconds! <= 60, String(refused.retryAfterSeconds));
      await client.close();
    });

    it("retries an authorize only while the backend does not answer, a bounded number of times", async () => {
      const tries: string[] = [];
      const counting: typeof fetch = (url, init) => (tries.push(String(url)), fetch(url, init));
      const nobody = new GatewayClient({ endpoint: `http://127.0.0.1:${await freePort()}`, credential, queueDir: queueDir(), fetch: counting, retry: { baseMs: 1, maxMs: 5 } });
      assert.ok((await nobody.authorize({ apiKey: t.projects.chat.key, model: "gpt-4o-mini" }).catch((e) => e)) instanceof GatewayUnavailableError);
      assert.equal(tries.length, 3);
      tries.length = 0;
      const client = newClient(undefined, { fetch: counting });
      const refused = await client.authorize({ apiKey: "tpk_not-a-key", model: "gpt-4o-mini" }).catch((e) => e);
      assert.deepEqual([refused instanceof GatewayError, refused.status, refused.code, tries.length], [true, 403, "key_invalid", 1]);
      await Promise.all([nobody.close(), client.close()]);
    });

    it("delivers everything reported while the backend was down once it is back", async () => {
      const p = t.projects.chat;
      const before = await billed(t, p.id);
      const client = newClient();
      const failures: string[] = [];
      client.on("retrying", (r) => failures.push(r.error));
      await backend.stop();
      try {
        for (const e of events(p.keyId, 5, "down")) await client.report(e);
        void client.flush();
        await eventually(async () => failures.length >= 2, "the client tried the stopped backend");
      } finally {
        await backend.restart();
      }
      await client.close();
      assert.deepEqual(await billed(t, p.id), { requests: before.requests + 5, inputTokens: before.inputTokens + 50 });
    });

    it("delivers, each once, what a gateway killed before its flush had reported", async () => {
      const p = t.projects.chat;
      const before = await billed(t, p.id);
      const dir = queueDir();
      const reported = events(p.keyId, 7, "killed");
      const child = spawn(process.execPath, [join(__dirname, "reporter.js")], { stdio: ["pipe", "pipe", "inherit"] });
      const exited = new Promise((done) => child.once("exit", done));
      child.stdin.end(JSON.stringify({ endpoint: backend.url, credential, queueDir: dir, events: reported }));
      await new Promise<void>((done, fail) => {
        let out = "";
        child.stdout.on("data", (chunk) => (out += chunk) === "reported\n" && done());
        child.once("exit", (code) => fail(new Error(`the reporter exited (${code}) before reporting: ${out}`)));
      });
      child.kill("SIGKILL");
      await exited;
      assert.deepEqual(await billed(t, p.id), before, "nothing was sent before the kill");
      await newClient(dir).close();
      assert.deepEqual(await billed(t, p.id), { requests: before.requests + 7, inputTokens: before.inputTokens + 70 });
      await newClient(dir).close();
      assert.deepEqual(await billed(t, p.id), { requests: before.requests + 7, inputTokens: before.inputTokens + 70 }, "a third client has nothing left to send");
    });

    it("sets bad events (400, 422) aside in rejected with the backend's error, says so, and still delivers the good ones", async () => {
      const p = t.projects.chat;
      const before = await billed(t, p.id);
      const dir = queueDir();
      const client = newClient(dir);
      const rejections: Rejection[] = [];
      client.on("rejected", (r) => rejections.push(r));
      const [first, second] = events(p.keyId, 2, "good");
      const bad = { ...first, eventId: eventId("bad"), model: "not a model!" };
      const unpriced = { ...first, eventId: eventId("unpriced"), model: "no-such-model" };
      for (const e of [first, bad, second, unpriced]) await client.report(e);
      await client.close();
      assert.deepEqual(await billed(t, p.id), { requests: before.requests + 2, inputTokens: before.inputTokens + 20 });
      assert.deepEqual(rejections.map((r) => [r.events, r.error.status, r.error.code]), [[[bad], 400, "invalid_request"], [[unpriced], 422, "unknown_model"]]);
      assert.match(rejections[0].error.detail, /model/);
      const kept = readFileSync(join(dir, "rejected.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(kept.map((k) => [k.events, k.error]), rejections.map((r) => [r.events, r.error]));
      assert.equal(readFileSync(join(dir, "queue.ndjson"), "utf8"), "", "nothing is left to resend");
    });
  });

  describe(`gateway client under the per-gateway ingestion limit (${dialect.name})`, () => {
    const { backend } = useBackend({ dialect, env: { TENANCY_USAGE_EVENTS_PER_SECOND: "0", TENANCY_GATEWAY_EVENTS_PER_SECOND: "1000" } });

    it("waits out a 429's Retry-After, then has its batch accepted", async () => {
      const t = await tenant(backend, { flood: {} });
      const p = t.projects.flood;
      const credential = await mintGateway(backend.databaseUrl, `flood-${dialect.name}`);
      const client = new GatewayClient({ endpoint: backend.url, credential, queueDir: queueDir() });
      const waits: number[] = [];
      client.on("retrying", (r) => r.status === 429 && waits.push(r.delayMs));
      let fills = 0;
      let sent = 0;
      // Fill the gateway's second (1,000 events), then report: the client's batch lands in the same
      // second unless the second just ended, so the pair is tried again until one 429 was met.
      for (let i = 0; i < 20 && waits.length === 0; i++) {
        if ((await call(backend.url, "POST", "/v1/usage", credential, { body: { events: events(p.keyId, 1000, "fill") } })).status === 200) fills += 1000;
        await client.report(events(p.keyId, 1, "client")[0]);
        await client.flush();
        sent += 1;
      }
      await client.close();
      assert.ok(waits.length > 0, "the client met a 429");
      assert.deepEqual(waits, waits.map(() => 1000), "it waited the Retry-After (1 s)");
      assert.equal((await billed(t, p.id)).requests, fills + sent, "every reported event was billed once");
    });
  });
}
