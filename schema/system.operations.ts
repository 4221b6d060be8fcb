import { z } from "zod";
import { operations } from "./operation";

/** Unauthenticated operational routes; none of them returns tenant data. */
export const SYSTEM_OPERATIONS = operations({
  getHealth: {
    method: "GET",
    path: "/healthz",
    summary: "Liveness and store reachability",
    status: 200,
    response: z.strictObject({ status: z.literal("ok") }),
  },
  getMetrics: {
    method: "GET",
    path: "/metrics",
    summary: "Prometheus metrics (request counts and latencies by route template)",
    status: 200,
  },
  getOpenApiDocument: {
    method: "GET",
    path: "/openapi.json",
    summary: "This document",
    status: 200,
  },
});
