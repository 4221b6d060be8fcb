import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { LimitsEngine } from "../usage/limits";

/** Prometheus metrics: labels are route templates and status codes only, never tenant data. */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: "tenancy_http_requests_total",
    help: "HTTP requests by method, route template and status",
    labelNames: ["method", "route", "status"],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: "tenancy_http_request_duration_seconds",
    help: "HTTP request duration by method and route template",
    labelNames: ["method", "route"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  /** Read when scraped: what the budget settle retry holds (settles the limits store refused, and their cost). */
  constructor(limits: Pick<LimitsEngine, "pendingSettles">) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: "tenancy_budget_settles_pending",
      help: "budget settles waiting for the limits store (retried every 5 s), one per project, month and kind",
      registers: [this.registry],
      collect() {
        this.set(limits.pendingSettles().settles);
      },
    });
    new Gauge({
      name: "tenancy_budget_settle_pending_usd",
      help: "the cost those pending settles will add to budgets, in USD",
      registers: [this.registry],
      collect() {
        this.set(limits.pendingSettles().costMicros / 1_000_000);
      },
    });
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.duration.observe({ method, route }, seconds);
  }
}
