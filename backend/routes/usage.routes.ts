import {
  authorizeInput,
  authorizeResult,
  invoiceList,
  invoiceQuery,
  priceList,
  usageInput,
  usageQuery,
  usageReport as usageReportSchema,
  usageResult,
} from "../../schema/usage";
import { route } from "../http/route";
import { authorize, recordUsage } from "../usage/data-plane.service";
import { invoices, usageReport } from "../usage/usage-views.service";

/**
 * The data plane (scope gateway: the operator's gateway credential; the client's API key is the
 * subject, in the body, never the caller) and the usage views
 * (permission readUsage: whole organization for admin/billing, their projects for the rest).
 */
const ORG = "/v1/organizations/{orgId}";

export const usageRoutes = [
  route({
    method: "POST",
    path: "/v1/authorize",
    operationId: "authorize",
    scope: "gateway",
    permission: "useDataPlane",
    summary: "Data plane: may this client key's request be served? Counts it and reserves its token and cost estimate",
    status: 200,
    body: authorizeInput,
    response: authorizeResult,
    answers: ["key_invalid", "read_only_key", "model_not_allowed", "unknown_model", "limit_exceeded", "limits_unavailable"],
    // No `transaction`: it only reads the store, and a write transaction would queue every gateway
    // request behind SQLite's write lock.
    handler: ({ store, db, usage, authCache, body, now }) => authorize({ rt: usage, store, db, authCache }, body, new Date(now)),
  }),
  route({
    method: "POST",
    path: "/v1/usage",
    operationId: "recordUsage",
    scope: "gateway",
    permission: "useDataPlane",
    summary: "Data plane: record up to 1,000 usage events, each eventId once per gateway and project, priced at their time",
    status: 200,
    body: usageInput,
    response: usageResult,
    answers: ["unknown_model", "rate_limited"],
    // A gateway whose second is full is refused on its headers: the 2 MB body is never parsed.
    beforeBody: (gateway, usage, nowMs) => usage.gatewayIngestion.refuseWhenFull(gateway.id, nowMs),
    bodyLimit: 2 * 1024 * 1024,
    // A batch is all or nothing: the events, their rollups and the settled holds commit together.
    transaction: true,
    handler: ({ gateway, db, usage, body, now }) => recordUsage(usage, db, gateway, body, new Date(now)),
  }),
  // /usage and /costs carry the same rows: one reads them for tokens, the other for money.
  ...(["usage", "costs"] as const).map((view) =>
    route({
      method: "GET",
      path: `${ORG}/${view}`,
      operationId: view === "usage" ? "getUsage" : "getCosts",
      scope: "organization",
      permission: "readUsage",
      summary: view === "usage" ? "Usage per bucket, grouped by any of project, apiKey, model" : "Costs per bucket (the same rows as /usage)",
      status: 200,
      query: usageQuery,
      response: usageReportSchema,
      async handler({ ctx, db, access, query }) {
        return { data: await usageReport({ db, access, userId: ctx.caller.user.id, now: ctx.now }, query) };
      },
    }),
  ),
  route({
    method: "GET",
    path: `${ORG}/invoices`,
    operationId: "listInvoices",
    scope: "organization",
    permission: "readUsage",
    summary: "One invoice per calendar month (UTC), a line per project and model; ended months are final",
    status: 200,
    query: invoiceQuery,
    response: invoiceList,
    async handler({ ctx, db, access, query }) {
      return { data: await invoices({ db, access, userId: ctx.caller.user.id, now: ctx.now }, query.month) };
    },
  }),
  route({
    method: "GET",
    path: "/v1/prices",
    operationId: "listPrices",
    scope: "user",
    permission: "self",
    summary: "The price table: USD per million input and output tokens, effective-dated",
    status: 200,
    response: priceList,
    handler: async ({ usage }) => ({ data: usage.prices.toWire() }),
  }),
];
