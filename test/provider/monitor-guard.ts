import { PulumiFn, Stack } from "@pulumi/pulumi/automation";
import * as pulumi from "@pulumi/pulumi";

/**
 * The SDK's in-process host for inline programs reads a gRPC UNAVAILABLE or CANCELLED from the
 * engine's resource monitor as "the engine is shutting down": it stops every RPC, leaves the
 * outputs unsettled and ends the program as if it had finished (automation/server.js,
 * runtime/resource.js). The engine then sees a program that declared nothing and deletes every
 * resource of the stack; one CI run lost the lifecycle test's whole layout that way, on a busy
 * machine. Real deployments run the program in the Node.js language host, a process of its own;
 * only the tests' inline programs run in this process, so the guard lives with them.
 */
export const MONITOR_LOST = "the engine's resource monitor was lost mid-program";

// The SDK's own per-run state, internal: the only place that records that it cut its RPCs off.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const state = require("@pulumi/pulumi/runtime/state") as { getStore(): { terminated?: boolean } };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isGrpcError } = require("@pulumi/pulumi/errors") as { isGrpcError(err: Error): boolean };

/** `program`, failing (so the engine changes nothing) when the SDK cut its RPCs off, instead of ending quietly. */
export function failWhenMonitorLost(program: PulumiFn): PulumiFn {
  return async () => {
    const outputs = await program();
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (!state.getStore().terminated) return;
        clearInterval(timer);
        reject(new Error(`${MONITOR_LOST} (gRPC UNAVAILABLE or CANCELLED): failing the program so that the engine does not read it as declaring nothing`));
      }, 20);
      // Any other failure of a registration is the SDK's to report, as without this guard.
      const done = () => {
        clearInterval(timer);
        resolve();
      };
      (pulumi.output(outputs ?? {}) as unknown as { promise(): Promise<unknown> }).promise().then(done, done);
    });
    return outputs;
  };
}

/**
 * The inline host ends a run as a success when the stack's own start fails with UNAVAILABLE or
 * CANCELLED (automation/server.js drops such errors): the monitor's feature queries and the
 * engine's `setRootResource` are RPCs made after the Stack registers and before the program is
 * called, so a guard inside the program never runs. A CI run met it in mistakes.test.ts: the up
 * that puts the right token back counted 1 unchanged (the Stack alone, the program's first
 * resource not registered) and went straight on to delete the stack's resources; the first
 * delete failed only because it used the previous, wrong token. Every run of an inline program in
 * this process goes through `runInPulumiStack`: this fails such a run instead, so the engine
 * changes nothing and `retryWhenMonitorLost` runs it again.
 */
export function failWhenStartLost(run: (init: () => Promise<unknown>) => Promise<unknown>): (init: () => Promise<unknown>) => Promise<unknown> {
  return async (init) => {
    let called = false;
    let outputs: unknown;
    try {
      outputs = await run(async () => {
        called = true;
        return init();
      });
    } catch (error) {
      // The very test the host applies before dropping the error.
      if (!isGrpcError(error as Error)) throw error;
      throw new Error(`${MONITOR_LOST} (${(error as Error).message}): failing the run so that the engine does not read it as declaring nothing`);
    }
    if (!called) throw new Error(`${MONITOR_LOST}: the stack ended without calling its program`);
    return outputs;
  };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const stackModule = require("@pulumi/pulumi/runtime/stack") as { runInPulumiStack: (init: () => Promise<unknown>) => Promise<unknown> };
export const guardedRunInPulumiStack = failWhenStartLost(stackModule.runInPulumiStack);
stackModule.runInPulumiStack = guardedRunInPulumiStack;

/**
 * Retries a preview or up once when its program failed that way: nothing was registered, so the
 * engine changed nothing, and the second run meets a fresh monitor. Says so on stderr, so that a
 * CI log shows how often it happens.
 */
export function retryWhenMonitorLost(stack: Stack): void {
  for (const op of ["up", "preview"] as const) {
    const original = stack[op].bind(stack) as (...args: unknown[]) => Promise<unknown>;
    (stack as unknown as Record<string, unknown>)[op] = async (...args: unknown[]) => {
      try {
        return await original(...args);
      } catch (error) {
        if (!String(error).includes(MONITOR_LOST)) throw error;
        console.error(`      (${op} retried once: ${MONITOR_LOST})`);
        return original(...args);
      }
    };
  }
}
