import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { buildApp } from "../../backend/app";
import { startUsage } from "../../backend/usage/usage.runtime";
import { loadConfig } from "../../backend/config";
import type { Store } from "../../backend/store/db";
import { tempStore } from "./helpers";

/**
 * The one error handler, in process: an unexpected failure answers a fixed 500 whatever it
 * carried, and its cause goes to the log only.
 */
describe("unexpected errors", () => {
  let store: Store;
  let dispose: () => Promise<void>;

  before(async () => ({ store, dispose } = await tempStore("errors")));
  after(() => dispose());

  it("answers /healthz 503 unavailable once the store stops answering (its probe is at most 250 ms old)", async () => {
    const own = await tempStore("health");
    const config = loadConfig({ TENANCY_LOG_LEVEL: "silent" });
    const app = buildApp({ config, store: own.store, usage: await startUsage(own.store, config.usage) });
    assert.equal((await app.inject({ method: "GET", url: "/healthz" })).statusCode, 200);
    await own.dispose();
    const deadline = Date.now() + 1000;
    let res = await app.inject({ method: "GET", url: "/healthz" });
    while (res.statusCode === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      res = await app.inject({ method: "GET", url: "/healthz" });
    }
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().code, "unavailable");
  });

  it("answers a fixed problem+json 500 and logs the cause", async () => {
    let logged = "";
    const logStream = new Writable({
      write(chunk, _encoding, done) {
        logged += chunk.toString();
        done();
      },
    });
    const config = loadConfig({ TENANCY_LOG_LEVEL: "error" });
    const app = buildApp({ config, store, usage: await startUsage(store, config.usage), logStream });
    app.get("/boom", async () => {
      throw new Error("connection to db-7.internal failed: password=hunter2");
    });
    const res = await app.inject({ method: "GET", url: "/boom", headers: { "x-request-id": "boom-1" } });
    assert.equal(res.statusCode, 500);
    assert.equal(res.headers["content-type"], "application/problem+json; charset=utf-8");
    assert.deepEqual(res.json(), {
      type: "https://tenancy.dev/problems/internal",
      title: "Internal error",
      status: 500,
      detail: "the server failed to handle this request; it has been logged under this requestId",
      code: "internal",
      requestId: "boom-1",
    });
    assert.ok(!res.body.includes("hunter2"));
    const line = JSON.parse(logged.trim().split("\n").pop()!);
    assert.deepEqual([line.msg, line.reqId, line.err.message], ["request failed", "boom-1", "connection to db-7.internal failed: password=hunter2"]);
    await app.close();
  });
});
