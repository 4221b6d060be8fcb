import assert from "node:assert/strict";
import fc from "fast-check";
import { Counter, Histogram, Registry } from "prom-client";
import { Metrics } from "../../backend/http/metrics";

/**
 * The request metrics keep their own counts (prom-client's labelled calls hash the labels on
 * every request); `/metrics` (the only reader: the text exposition) must read exactly as prom-client's own Counter and Histogram would
 * for the same requests.
 */
const NAMES = ["tenancy_http_requests_total", "tenancy_http_request_duration_seconds"];
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

function reference() {
  const registry = new Registry();
  const requests = new Counter({ name: NAMES[0], help: "HTTP requests by method, route template and status", labelNames: ["method", "route", "status"], registers: [registry] });
  const duration = new Histogram({ name: NAMES[1], help: "HTTP request duration by method and route template", labelNames: ["method", "route"], buckets: BUCKETS, registers: [registry] });
  return {
    registry,
    observe(method: string, route: string, status: number, seconds: number) {
      requests.inc({ method, route, status: String(status) });
      duration.observe({ method, route }, seconds);
    },
  };
}

const request = fc.record({
  method: fc.constantFrom("GET", "POST", "PATCH", "DELETE"),
  route: fc.constantFrom("/healthz", "/v1/me", "/v1/organizations/:orgId/projects/:projectId", "unmatched", 'odd "route"\\'),
  status: fc.constantFrom(200, 201, 204, 400, 404, 500),
  // Bounds themselves, values between and past the last bound.
  seconds: fc.oneof(fc.constantFrom(0, ...BUCKETS, 3), fc.double({ min: 0, max: 5, noNaN: true })),
});

describe("request metrics", () => {
  it("expose the same text as prom-client's Counter and Histogram for any requests", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(request, { maxLength: 60 }), async (requests) => {
        const ours = new Metrics({ limits: { pendingSettles: () => ({ settles: 0, costMicros: 0 }) }, turns: { counts: () => ({ inWork: 0, waiting: 0 }) } });
        const theirs = reference();
        for (const r of requests) {
          ours.observe(r.method, r.route, r.status, r.seconds);
          theirs.observe(r.method, r.route, r.status, r.seconds);
        }
        for (const name of NAMES) assert.equal(await ours.registry.getSingleMetricAsString(name), await theirs.registry.getSingleMetricAsString(name));
      }),
      { numRuns: 200 },
    );
  });
});
