import assert from "node:assert/strict";
import net from "node:net";
import { GatewayTurns, MAX_WAITING } from "../../backend/usage/turns";
import { Backend, DIALECTS } from "../support/backend";
import { mintGateway } from "../support/gateway";
import { expectStatus, useBackend } from "../backend/helpers";
import { eventId, eventually, gateway, tenant, Tenant } from "./support";
import { gauge } from "../support/metrics";

describe("a gateway credential's turns (how much of its usage batches is in work at once)", () => {
  const ended = () => new AbortController();
  const flush = () => new Promise((r) => setImmediate(r));
  const BIG = 100_000;

  it("works on small batches side by side, on a batch larger than the room alone, and gives turns in the order batches came", async () => {
    const turns = new GatewayTurns(64 * 1024);
    const [a, b, big, c, other] = [ended(), ended(), ended(), ended(), ended()];
    const order: string[] = [];
    await turns.take("gw1", 200, a.signal);
    await turns.take("gw1", 200, b.signal); // small reports go side by side
    const bigTurn = turns.take("gw1", BIG, big.signal).then(() => order.push("big"));
    const small = turns.take("gw1", 200, c.signal).then(() => order.push("c"));
    await turns.take("gw2", BIG, other.signal); // another credential is not held back
    await flush();
    assert.deepEqual([order, turns.counts()], [[], { inWork: 3, waiting: 2 }]);
    a.abort();
    await flush();
    assert.deepEqual([order, turns.counts()], [[], { inWork: 2, waiting: 2 }], "the big batch starts only once nothing else is in work");
    b.abort();
    await bigTurn;
    await flush();
    assert.deepEqual([order, turns.counts()], [["big"], { inWork: 2, waiting: 1 }], "a later small batch does not pass the big one");
    big.abort();
    await small;
    c.abort();
    other.abort();
    assert.deepEqual([order, turns.counts()], [["big", "c"], { inWork: 0, waiting: 0 }]);
  });

  it("counts a batch of unknown size as the whole room, lets a batch whose connection closes while it waits leave the line, and gives back the room of one gone", async () => {
    const turns = new GatewayTurns(64 * 1024);
    const [a, gone, c] = [ended(), ended(), ended()];
    await turns.take("gw", undefined, a.signal);
    const left = turns.take("gw", 10, gone.signal);
    let third = false;
    const next = turns.take("gw", 10, c.signal).then(() => (third = true));
    await flush();
    assert.deepEqual(turns.counts(), { inWork: 1, waiting: 2 });
    gone.abort();
    await left;
    assert.deepEqual(turns.counts(), { inWork: 1, waiting: 1 });
    a.abort();
    await next;
    assert.equal(third, true);
    c.abort();
    assert.deepEqual(turns.counts(), { inWork: 0, waiting: 0 });
    // Already gone when it asks: it takes nothing.
    const late = ended();
    late.abort();
    await turns.take("gw", BIG, late.signal);
    assert.deepEqual(turns.counts(), { inWork: 0, waiting: 0 });
  });

  it("refuses (429, Retry-After 1) a batch past the waiting bound, naming the limit", async () => {
    const turns = new GatewayTurns(64 * 1024, 2);
    const signals = [ended(), ended(), ended()];
    await turns.take("gw", BIG, signals[0].signal);
    void turns.take("gw", BIG, signals[1].signal);
    void turns.take("gw", 10, signals[2].signal);
    await assert.rejects(turns.take("gw", 10, ended().signal), (err: any) => {
      assert.deepEqual([err.code, err.extras.limit, err.extras.retryAfterSeconds], ["rate_limited", "gatewayBatchesInFlight", 1]);
      return true;
    });
    for (const s of signals) s.abort();
    await flush();
    assert.deepEqual(turns.counts(), { inWork: 0, waiting: 0 });
  });
});

/**
 * A usage POST that says its body is 100 KB (more than a credential's room, turns.ts) and sends
 * 10 bytes of it: the server takes it as far as its turn, then reads a body that never ends.
 * Closing the socket is the client going away.
 */
function heldBatch(backend: Backend, credential: string): Promise<net.Socket> {
  const length = 100_000;
  const { hostname, port } = new URL(backend.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(`POST /v1/usage HTTP/1.1\r\nhost: ${hostname}\r\nauthorization: Bearer ${credential}\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n{"events":`);
      resolve(socket);
    });
    socket.on("error", () => undefined);
    socket.once("error", reject);
  });
}

for (const dialect of DIALECTS) {
  describe(`a gateway's usage batches take turns (${dialect.name})`, () => {
    const { backend } = useBackend({ dialect });
    let t: Tenant;
    let credential: string;
    before(async () => {
      t = await tenant(backend, { dev: {} });
      credential = await mintGateway(backend.databaseUrl, "turns");
    });
    const turnsAre = (inWork: number, waiting: number, what: string) =>
      eventually(async () => (await gauge(backend.url, "tenancy_usage_batches_in_work")) === inWork && (await gauge(backend.url, "tenancy_usage_batches_waiting")) === waiting, what);

    it("keeps a credential's next batch unread until the one in work is answered or gone, and never holds another credential back", async () => {
      const p = t.projects.dev;
      const held = await heldBatch(backend, credential);
      await turnsAre(1, 0, "the held batch has its credential's turn");
      const same = gateway(backend, credential, p);
      let answered = false;
      const next = same.usage([{ eventId: eventId("next"), model: "gpt-4o-mini", inputTokens: 1, outputTokens: 1 }]).then((res) => ((answered = true), res));
      await turnsAre(1, 1, "the next batch waits");
      // Another credential's batch is answered meanwhile (the store's own gateway).
      expectStatus(await p.gateway.usage([{ eventId: eventId("other"), model: "gpt-4o-mini", inputTokens: 1, outputTokens: 1 }]), 200);
      assert.equal(answered, false, "the credential's second batch was answered while its first was in work");
      held.destroy();
      assert.deepEqual(expectStatus(await next, 200), { accepted: 1, duplicates: 0 });
      await turnsAre(0, 0, "every turn ended");
    });

    it(`refuses on its headers (429 gatewayBatchesInFlight, Retry-After 1) a batch past ${MAX_WAITING} waiting, and frees the line when they go`, async () => {
      const p = t.projects.dev;
      const sockets = [await heldBatch(backend, credential)];
      await turnsAre(1, 0, "one batch in work");
      for (let i = 0; i < MAX_WAITING; i++) sockets.push(await heldBatch(backend, credential));
      await turnsAre(1, MAX_WAITING, `${MAX_WAITING} batches wait`);
      const same = gateway(backend, credential, p);
      const refused = await same.usage([{ eventId: eventId("ninth"), model: "gpt-4o-mini", inputTokens: 1, outputTokens: 1 }]);
      assert.equal(refused.status, 429);
      assert.equal(refused.headers["retry-after"], "1");
      assert.deepEqual([refused.body.code, refused.body.limit], ["rate_limited", "gatewayBatchesInFlight"]);
      assert.match(refused.body.detail, new RegExp(`at most ${MAX_WAITING} of them; send fewer at once; retry after 1 s`));
      for (const s of sockets) s.destroy();
      await turnsAre(0, 0, "the line is empty once its clients are gone");
      expectStatus(await same.usage([{ eventId: eventId("after"), model: "gpt-4o-mini", inputTokens: 1, outputTokens: 1 }]), 200);
    });
  });
}
