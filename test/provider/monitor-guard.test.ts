import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { failWhenMonitorLost, MONITOR_LOST } from "./monitor-guard";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const state = require("@pulumi/pulumi/runtime/state") as { withLocalStorage<T>(f: () => Promise<T>): Promise<T>; getStore(): { terminated?: boolean } };

/**
 * The guard of the tests' inline programs (monitor-guard.ts), in a run's own SDK state as the
 * inline host makes one: the case it exists for cannot be provoked on demand in a real engine.
 */
describe("the inline-program guard against a lost resource monitor", () => {
  it("fails a program whose RPCs the SDK cut off, where the SDK would end it as if it declared nothing", async () => {
    const unsettled = pulumi.output(new Promise<string>(() => undefined));
    const program = failWhenMonitorLost(async () => ({ id: unsettled }));
    await state.withLocalStorage(async () => {
      setTimeout(() => (state.getStore().terminated = true), 50);
      await assert.rejects(program(), (e: Error) => e.message.startsWith(MONITOR_LOST));
    });
  });

  it("ends a program whose outputs settle, failed or not, as it would without the guard", async () => {
    await state.withLocalStorage(async () => {
      assert.deepEqual(await failWhenMonitorLost(async () => ({ a: 1 }))(), { a: 1 });
      const failed = pulumi.output(Promise.reject<string>(new Error("registration failed")));
      failed.apply(() => undefined);
      const outputs = await failWhenMonitorLost(async () => ({ failed }))();
      assert.ok(outputs && "failed" in outputs);
    });
  });
});
