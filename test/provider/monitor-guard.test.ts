import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { failWhenMonitorLost, failWhenStartLost, guardedRunInPulumiStack, MONITOR_LOST } from "./monitor-guard";

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

  describe("before the program runs", () => {
    // What grpc-js rejects with: an Error with the status code (14 UNAVAILABLE, 1 CANCELLED).
    const lost = (code: number) => Object.assign(new Error(`${code} connection lost`), { code, details: "connection lost" });
    const program = async () => ({ a: 1 });

    it("fails a run whose stack start the engine cut off (UNAVAILABLE or CANCELLED), which the host would end as a success", async () => {
      for (const code of [14, 1]) {
        let ran = false;
        const run = failWhenStartLost(async () => Promise.reject(lost(code)));
        await assert.rejects(
          run(async () => ((ran = true), program())),
          (e: Error) => e.message.startsWith(MONITOR_LOST) && e.message.includes(`${code} connection lost`) && !("code" in e),
        );
        assert.equal(ran, false);
      }
    });

    it("fails a run that ended without calling its program", async () => {
      await assert.rejects(failWhenStartLost(async () => ({}))(program), (e: Error) => e.message.startsWith(MONITOR_LOST) && e.message.includes("without calling its program"));
    });

    it("passes a run that called its program, and any other failure, through as they are", async () => {
      assert.deepEqual(await failWhenStartLost(async (init) => init())(program), { a: 1 });
      const other = new Error("registration failed");
      await assert.rejects(failWhenStartLost(async () => Promise.reject(other))(program), (e) => e === other);
    });

    it("is what the inline host calls", () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      assert.equal((require("@pulumi/pulumi/runtime/stack") as { runInPulumiStack: unknown }).runInPulumiStack, guardedRunInPulumiStack);
    });
  });
});
