import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

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

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.duration.observe({ method, route }, seconds);
  }
}
