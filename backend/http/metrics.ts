import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { GatewayTurns } from "../usage/turns";
import type { LimitsEngine } from "../usage/limits";

/** Every series' labels: route templates and status codes only, never tenant data. */
type Labels = Record<string, string>;

/**
 * One request metric, kept in a plain map by its label values and handed to prom-client's
 * registry in the shape its own metrics give (`get()`), so `/metrics` reads exactly as before.
 * prom-client's labelled `inc` and `observe` check and hash the label object on every call, which
 * cost a health check a noticeable share of its answer; here a request pays one map lookup.
 */
abstract class RequestSeries<S> {
  protected readonly series = new Map<string, { labels: Labels; value: S }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  abstract readonly type: "counter" | "histogram";
  readonly aggregator = "sum";

  protected entry(key: string, labels: () => Labels, start: () => S): S {
    let found = this.series.get(key);
    if (!found) this.series.set(key, (found = { labels: labels(), value: start() }));
    return found.value;
  }
}

class RequestCounter extends RequestSeries<{ count: number }> {
  readonly type = "counter";
  inc(key: string, labels: () => Labels): void {
    this.entry(key, labels, () => ({ count: 0 })).count++;
  }
  async get() {
    const values = [...this.series.values()].map(({ labels, value }) => ({ value: value.count, labels }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

class RequestHistogram extends RequestSeries<{ buckets: number[]; sum: number; count: number }> {
  readonly type = "histogram";
  constructor(name: string, help: string, private readonly bounds: readonly number[]) {
    super(name, help);
  }
  observe(key: string, labels: () => Labels, seconds: number): void {
    const s = this.entry(key, labels, () => ({ buckets: this.bounds.map(() => 0), sum: 0, count: 0 }));
    // A value above the last bound counts in +Inf (the count) only, as in prom-client.
    const i = this.bounds.findIndex((bound) => seconds <= bound);
    if (i >= 0) s.buckets[i]++;
    s.sum += seconds;
    s.count++;
  }
  async get() {
    const values = [...this.series.values()].flatMap(({ labels, value: s }) => {
      let cumulative = 0;
      const buckets = this.bounds.map((le, i) => ({ labels: { le, ...labels }, value: (cumulative += s.buckets[i]), metricName: `${this.name}_bucket` }));
      return [
        ...buckets,
        { labels: { le: "+Inf", ...labels }, value: s.count, metricName: `${this.name}_bucket` },
        { labels, value: s.sum, metricName: `${this.name}_sum` },
        { labels, value: s.count, metricName: `${this.name}_count` },
      ];
    });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

/** Prometheus metrics: labels are route templates and status codes only, never tenant data. */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new RequestCounter("tenancy_http_requests_total", "HTTP requests by method, route template and status");
  private readonly duration = new RequestHistogram("tenancy_http_request_duration_seconds", "HTTP request duration by method and route template", [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);

  /**
   * Read when scraped: what the budget settle retry holds (settles the limits store refused, and
   * their cost), and the usage batches in work and waiting their gateway's turn (turns.ts).
   */
  constructor({ limits, turns }: { limits: Pick<LimitsEngine, "pendingSettles">; turns: Pick<GatewayTurns, "counts"> }) {
    // The registry takes any object with prom-client's metric shape; its types name its own classes.
    this.registry.registerMetric(this.requests as never);
    this.registry.registerMetric(this.duration as never);
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
    for (const [name, help, count] of [
      ["tenancy_usage_batches_in_work", "usage batches being checked and recorded, one at most per gateway credential", "inWork"],
      ["tenancy_usage_batches_waiting", "usage batches waiting, unread, for their gateway credential's turn", "waiting"],
    ] as const) {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(turns.counts()[count]);
        },
      });
    }
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const routeKey = `${method} ${route}`;
    this.requests.inc(`${routeKey} ${status}`, () => ({ method, route, status: String(status) }));
    this.duration.observe(routeKey, () => ({ method, route }), seconds);
  }
}
