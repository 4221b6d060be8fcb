import type { z } from "zod";
import { TenancyError } from "../../schema/errors";
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
import { ok, publicRoute, route } from "../http/route";
import { authorize, recordUsage } from "./data-plane.service";
import { invoices, usageReport } from "./usage-views.service";
import { usageOf } from "./usage.runtime";

/**
 * The data plane (authenticated by a project API key, never a management token) and the usage
 * views (management tokens, whole organization for admin/billing, own projects otherwise).
 */

/** Like parseInput, with paths as a gateway's batch reads them: `events[3].inputTokens`. */
function validate<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const errors = result.error.issues.map((i) => {
    const unknown = i.code === "unrecognized_keys";
    const keys = unknown ? [...i.path, i.keys.join(",")] : i.path;
    const path = keys.map((p, n) => (typeof p === "number" ? `[${p}]` : `${n ? "." : ""}${String(p)}`)).join("") || "(body)";
    return { path, message: unknown ? `unknown field ${i.keys.map((k) => `"${k}"`).join(", ")}` : i.message };
  });
  throw new TenancyError("invalid_request", errors.map((e) => `${e.path}: ${e.message}`).join("; "), { errors });
}

const USAGE_VIEW = "/v1/organizations/{orgId}";

export const usageRoutes = [
  publicRoute({
    method: "POST",
    path: "/v1/authorize",
    summary: "Data plane (project API key): may this request be served? Counts it and reserves its estimate",
    status: 200,
    body: authorizeInput,
    response: authorizeResult,
    async handler({ store, headers, body }) {
      const now = new Date();
      const rt = await usageOf(store);
      const key = await rt.keys.resolve(headers.authorization, now);
      return ok(await authorize(rt, store, key, validate(authorizeInput, body), now));
    },
  }),
  publicRoute({
    method: "POST",
    path: "/v1/usage",
    summary: "Data plane (project API key): record up to 1,000 usage events, each eventId once",
    status: 200,
    body: usageInput,
    response: usageResult,
    bodyLimit: 2 * 1024 * 1024,
    async handler({ store, headers, body }) {
      const now = new Date();
      const rt = await usageOf(store);
      const key = await rt.keys.resolve(headers.authorization, now);
      return ok(await recordUsage(rt, store, key, validate(usageInput, body), now));
    },
  }),
  // /usage and /costs carry the same rows: one reads them for tokens, the other for money.
  ...(["usage", "costs"] as const).map((view) =>
    route({
      method: "GET",
      path: `${USAGE_VIEW}/${view}`,
      summary: view === "usage" ? "Usage per bucket, grouped by any of project, apiKey, model" : "Costs per bucket (the same rows as /usage)",
      status: 200,
      query: usageQuery,
      response: usageReportSchema,
      async handler({ ctx, params, query }) {
        return ok({ data: await usageReport(ctx, params.orgId, query) });
      },
    }),
  ),
  route({
    method: "GET",
    path: `${USAGE_VIEW}/invoices`,
    summary: "One invoice per calendar month (UTC), a line per project and model; ended months are final",
    status: 200,
    query: invoiceQuery,
    response: invoiceList,
    async handler({ ctx, params, query }) {
      return ok({ data: await invoices(ctx, params.orgId, query.month) });
    },
  }),
  route({
    method: "GET",
    path: "/v1/prices",
    summary: "The price table: USD per million input and output tokens, effective-dated",
    status: 200,
    response: priceList,
    async handler({ store }) {
      return ok({ data: (await usageOf(store)).prices.toWire() });
    },
  }),
];
