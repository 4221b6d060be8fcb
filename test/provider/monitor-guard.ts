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
