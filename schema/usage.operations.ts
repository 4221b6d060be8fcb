import { operations } from "./operation";
import {
  authorizeInput,
  authorizeResult,
  invoiceList,
  invoiceQuery,
  priceList,
  usageInput,
  usageQuery,
  usageReport,
  usageResult,
} from "./usage";

const ORG = "/v1/organizations/{orgId}";

/** The data plane (called by the operator's gateway) and the usage views. */
export const USAGE_OPERATIONS = operations({
  authorize: {
    method: "POST",
    path: "/v1/authorize",
    summary: "Data plane: may this client key's request be served? Counts it and reserves its token and cost estimate",
    status: 200,
    body: authorizeInput,
    response: authorizeResult,
  },
  recordUsage: {
    method: "POST",
    path: "/v1/usage",
    summary: "Data plane: record up to 1,000 usage events, each eventId once per gateway and project, priced at their time",
    status: 200,
    body: usageInput,
    response: usageResult,
  },
  getUsage: {
    method: "GET",
    path: `${ORG}/usage`,
    summary: "Usage per bucket, grouped by any of project, apiKey, model",
    status: 200,
    query: usageQuery,
    response: usageReport,
  },
  getCosts: {
    method: "GET",
    path: `${ORG}/costs`,
    summary: "Costs per bucket (the same rows as /usage)",
    status: 200,
    query: usageQuery,
    response: usageReport,
  },
  listInvoices: {
    method: "GET",
    path: `${ORG}/invoices`,
    summary: "One invoice per calendar month (UTC), a line per project and model; ended months are final",
    status: 200,
    query: invoiceQuery,
    response: invoiceList,
  },
  listPrices: {
    method: "GET",
    path: "/v1/prices",
    summary: "The price table: USD per million input and output tokens, effective-dated",
    status: 200,
    response: priceList,
  },
});
