import { USAGE_OPERATIONS as OPS } from "../../schema/usage.operations";
import { route } from "../http/route";
import { authorize, recordUsage } from "../usage/data-plane.service";
import { invoices, usageReport } from "../usage/usage-views.service";

/**
 * The data plane (scope gateway: the operator's gateway credential; the client's API key is the
 * subject, in the body, never the caller) and the usage views
 * (permission readUsage: whole organization for admin/billing, their projects for the rest).
 */
export const usageRoutes = [
  route(OPS.authorize, {
    scope: "gateway",
    permission: "useDataPlane",
    answers: ["key_invalid", "read_only_key", "model_not_allowed", "unknown_model", "limit_exceeded", "limits_unavailable"],
    // No `transaction`: it only reads the store, and a write transaction would queue every gateway
    // request behind SQLite's write lock.
    handler: ({ store, db, usage, authCache, body, now }) => authorize({ rt: usage, store, db, authCache }, body, new Date(now)),
  }),
  route(OPS.recordUsage, {
    scope: "gateway",
    permission: "useDataPlane",
    answers: ["unknown_model", "rate_limited"],
    // The batch waits, unread, for its gateway's turn (turns.ts); then a gateway whose second is
    // full is refused on its headers, the 2 MB body never read (the refusal sent when that second
    // ends, ingestion.ts), while its turn holds back the next of its batches, which that second
    // would refuse too.
    async beforeBody(gateway, usage, { bytes, ended }) {
      await usage.turns.take(gateway.id, bytes, ended);
      await usage.gatewayIngestion.refuseWhenFull(gateway.id, Date.now(), ended);
    },
    bodyLimit: 2 * 1024 * 1024,
    sliced: "events",
    handler: ({ gateway, db, transact, usage, body, now }) => recordUsage(usage, { db, transact }, gateway, body, new Date(now)),
  }),
  // /usage and /costs carry the same rows: one reads them for tokens, the other for money.
  ...[OPS.getUsage, OPS.getCosts].map((operation) =>
    route(operation, {
      scope: "organization",
      permission: "readUsage",
      async handler({ ctx, db, access, query }) {
        return { data: await usageReport({ db, access, userId: ctx.caller.user.id, now: ctx.now }, query) };
      },
    }),
  ),
  route(OPS.listInvoices, {
    scope: "organization",
    permission: "readUsage",
    async handler({ ctx, db, access, query }) {
      return { data: await invoices({ db, access, userId: ctx.caller.user.id, now: ctx.now }, query.month) };
    },
  }),
  route(OPS.listPrices, {
    scope: "user",
    permission: "self",
    handler: async ({ usage }) => ({ data: usage.prices.toWire() }),
  }),
];
