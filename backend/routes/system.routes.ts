import { sql } from "kysely";
import type { Store } from "../store/db";
import { prepared } from "../store/prepared";
import { TenancyError } from "../../schema/errors";
import { SYSTEM_OPERATIONS as OPS } from "../../schema/system.operations";
import type { Metrics } from "../http/metrics";
import { openApiDocument } from "../http/openapi";
import { route, RouteDef } from "../http/route";

const ping = prepared((db) => db.selectNoFrom(sql<number>`1`.as("ok")));
const PROBE_EVERY_MS = 250;
const probes = new WeakMap<Store, () => Promise<void>>();

/**
 * The store is asked at most every PROBE_EVERY_MS, and health checks that arrive meanwhile share
 * that answer: load balancers polling /healthz never become a query per request, and a store that
 * stops answering shows within PROBE_EVERY_MS. A failed probe is never remembered.
 */
function probeOf(store: Store): () => Promise<void> {
  let answeredAt = -Infinity;
  let running: Promise<void> | undefined;
  const probe = async () => {
    if (Date.now() - answeredAt < PROBE_EVERY_MS) return;
    running ??= ping(store.db)
      .then(() => void (answeredAt = Date.now()))
      .finally(() => (running = undefined));
    await running;
  };
  probes.set(store, probe);
  return probe;
}

/** Unauthenticated operational routes; none of them returns tenant data. */
export function systemRoutes(metrics: Metrics, apiRoutes: readonly RouteDef[]): RouteDef[] {
  const system: RouteDef[] = [
    route(OPS.getHealth, {
      scope: "none",
      permission: "public",
      // Polled by load balancers; answered from the shared probe, never a query per request.
      rateLimit: false,
      async handler({ store }) {
        try {
          await (probes.get(store) ?? probeOf(store))();
        } catch {
          throw new TenancyError("unavailable", "the store is not reachable", { retryAfterSeconds: 5 });
        }
        return { status: "ok" as const };
      },
    }),
    route(OPS.getMetrics, {
      scope: "none",
      permission: "public",
      contentType: metrics.registry.contentType,
      handler: () => metrics.registry.metrics(),
    }),
  ];
  // Built after the table is complete, so the document lists itself too.
  let document: unknown;
  system.push(
    route(OPS.getOpenApiDocument, {
      scope: "none",
      permission: "public",
      handler: async () => document,
    }),
  );
  document = openApiDocument([...apiRoutes, ...system]);
  return system;
}
