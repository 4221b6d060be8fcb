import { CompiledQuery, sql } from "kysely";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Executor } from "../store/db";
import { BoundedColumn, boundConstraint, MONTH_BOUNDS } from "./month-bounds";
import { inSlices, SLICE } from "../http/slices";
import { MonthlyRow, RollupRow, UsageDb, UsageEventRow, usageDb } from "./usage.tables";

/** What `/v1/usage` writes: one priced event, attributed to key → project → organization. */
export type PricedEvent = { [K in keyof UsageEventRow]: K extends "input_tokens" | "output_tokens" | "cost_micros" ? number : UsageEventRow[K] };

const SUMS = ["requests", "input_tokens", "output_tokens", "cost_micros"] as const;
/** A batch's sums, exact in BigInt (1,000 events at the price maximum pass 2^53 micro-USD). */
type Totals = Record<(typeof SUMS)[number], bigint>;

export const hourOf = (at: string) => `${at.slice(0, 13)}:00:00.000Z`;
export const dayOf = (at: string) => `${at.slice(0, 10)}T00:00:00.000Z`;
export const monthOf = (at: string) => at.slice(0, 7);

/** Adds events into rows keyed by `key`, in a stable order (concurrent upserts then lock rows alike, no deadlock). */
function aggregate<R extends object>(events: PricedEvent[], key: (e: PricedEvent) => string, row: (e: PricedEvent) => R): (R & Totals)[] {
  const rows = new Map<string, R & Totals>();
  for (const e of events) {
    const k = key(e);
    const r = rows.get(k) ?? { ...row(e), requests: 0n, input_tokens: 0n, output_tokens: 0n, cost_micros: 0n };
    r.requests += 1n;
    r.input_tokens += BigInt(e.input_tokens);
    r.output_tokens += BigInt(e.output_tokens);
    r.cost_micros += BigInt(e.cost_micros);
    rows.set(k, r);
  }
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

/** A sum read back from SQL: cast to text there, so no driver rounds it through a double. */
const exactSum = (column: string) => sql<string>`cast(sum(${sql.ref(column)}) as text)`.as(column);
const exact = (column: string) => sql<string>`cast(${sql.ref(column)} as text)`;

/** A batch that would take its organization's month past MONTH_BOUNDS (month-bounds.ts): nothing of it is kept. */
export class MonthBoundError extends Error {
  override readonly name = "MonthBoundError";
  constructor(
    readonly organizationId: string,
    readonly month: string,
    readonly column: BoundedColumn,
  ) {
    super(`usage_org_monthly ${organizationId} ${month}: ${column} past its bound`);
  }
}

/** The bound a CHECK violation names: PostgreSQL's `constraint`, SQLite's message. */
function violatedBound(err: unknown): BoundedColumn | undefined {
  const e = err as { code?: string; constraint?: string; message?: string };
  if (e.code !== "23514" && e.code !== "SQLITE_CONSTRAINT_CHECK") return undefined;
  return (Object.keys(MONTH_BOUNDS) as BoundedColumn[]).find((c) => e.constraint === boundConstraint(c) || (e.message ?? "").endsWith(`: ${boundConstraint(c)}`));
}

/** Adds `rows` into `table`'s sums; `latest` columns take the batch's value where it has one. */
function upsert(db: UsageDb, table: RollupTable, rows: Totals[], conflict: string[], latest: string[] = []): CompiledQuery {
  const sums = SUMS.map((c) => [c, sql`${sql.ref(`${table}.${c}`)} + ${sql.ref(`excluded.${c}`)}`]);
  const kept = latest.map((c) => [c, sql`coalesce(${sql.ref(`excluded.${c}`)}, ${sql.ref(`${table}.${c}`)})`]);
  return db
    .insertInto(table)
    .values(rows as any)
    .onConflict((oc) => oc.columns(conflict as any).doUpdateSet(Object.fromEntries([...sums, ...kept]) as any))
    .compile();
}

type RollupTable = "usage_hourly" | "usage_daily" | "usage_monthly" | "usage_org_monthly";
/** One organization's month, its own statement so that a refusal names it. */
type OrgMonth = { organizationId: string; month: string; query: CompiledQuery };

/** The rollup statements for `kept` events: hourly, daily and monthly rows, then each organization's month. */
function rollups(db: UsageDb, kept: PricedEvent[], projectNames: ReadonlyMap<string, string>): { sums: CompiledQuery[]; orgMonths: OrgMonth[] } {
  if (kept.length === 0) return { sums: [], orgMonths: [] };
  const rollup = (start: (at: string) => string) =>
    aggregate(
      kept,
      (e) => `${e.project_id}|${e.api_key_id}|${e.model}|${start(e.at)}`,
      (e) => ({ start: start(e.at), organization_id: e.organization_id, project_id: e.project_id, api_key_id: e.api_key_id, model: e.model }),
    );
  const monthly = aggregate(
    kept,
    (e) => `${e.project_id}|${e.model}|${monthOf(e.at)}`,
    (e) => ({ month: monthOf(e.at), organization_id: e.organization_id, project_id: e.project_id, model: e.model, project_name: projectNames.get(e.project_id) ?? null }),
  );
  const orgMonths = aggregate(kept, (e) => `${e.organization_id}|${monthOf(e.at)}`, (e) => ({ month: monthOf(e.at), organization_id: e.organization_id }));
  return {
    sums: [
      upsert(db, "usage_hourly", rollup(hourOf), ["project_id", "api_key_id", "model", "start"]),
      upsert(db, "usage_daily", rollup(dayOf), ["project_id", "api_key_id", "model", "start"]),
      upsert(db, "usage_monthly", monthly, ["project_id", "model", "month"], ["project_name"]),
    ],
    orgMonths: orgMonths.map((total) => ({ organizationId: total.organization_id, month: total.month, query: upsert(db, "usage_org_monthly", [total], ["organization_id", "month"]) })),
  };
}

/** An event's identity: its eventId counts once per gateway credential and project. */
const identity = (e: Pick<PricedEvent, "project_id" | "gateway_id" | "event_id">) => `${e.project_id}\u0000${e.gateway_id}\u0000${e.event_id}`;

/** Events per insert statement: each is built between two turns of the event loop (slices.ts). */
export const INSERT_ROWS = SLICE;

/** A batch's statements, built before its transaction (prepareEvents): the transaction only runs them. */
export interface PreparedEvents {
  events: PricedEvent[];
  projectNames: ReadonlyMap<string, string>;
  inserts: CompiledQuery[];
  /** The rollups as if every event is new, which all but a replayed batch's are. */
  rollups: ReturnType<typeof rollups>;
}

/**
 * Builds a batch's statements, INSERT_ROWS events a statement, yielding the event loop between
 * them (slices.ts): building SQL is most of a batch's work, and none of it needs the transaction.
 * `projectNames` (by project id) are what the month's invoice lines call the projects.
 */
export async function prepareEvents(db: Executor, events: PricedEvent[], projectNames: ReadonlyMap<string, string>): Promise<PreparedEvents> {
  const udb = usageDb(db as any);
  // Rows in one order for every batch: two batches naming the same event ids in different orders
  // would otherwise take the unique index's locks crosswise and deadlock on PostgreSQL.
  const ordered = [...events].sort((a, b) => (identity(a) < identity(b) ? -1 : identity(a) > identity(b) ? 1 : 0));
  const inserts: CompiledQuery[] = [];
  await inSlices(ordered, INSERT_ROWS, (rows) => {
    inserts.push(
      udb
        .insertInto("usage_events")
        .values(rows)
        .onConflict((oc) => oc.columns(["project_id", "gateway_id", "event_id"]).doNothing())
        .returning(["project_id", "gateway_id", "event_id"])
        .compile(),
    );
  });
  const sums = rollups(udb, events, projectNames);
  await nextTurn();
  return { events, projectNames, inserts, rollups: sums };
}

/**
 * Records a prepared batch: the events not seen before (an `eventId` the gateway already stored
 * for the project is a duplicate) and their sums into the hourly, daily and monthly rollups. Call
 * it inside a transaction, so a crash before commit leaves nothing behind. Returns the new events.
 */
export async function writeEvents(trx: Executor, batch: PreparedEvents): Promise<PricedEvent[]> {
  const fresh = new Set<string>();
  for (const [i, insert] of batch.inserts.entries()) {
    // On SQLite a statement runs on the event loop: other requests are served between two (the
    // transaction keeps the store's one connection meanwhile, so none of them writes in between).
    if (i > 0) await nextTurn();
    for (const row of (await trx.executeQuery<PricedEvent>(insert)).rows) fresh.add(identity(row));
  }
  const kept = fresh.size === batch.events.length ? batch.events : batch.events.filter((e) => fresh.has(identity(e)));
  const { sums, orgMonths } = kept === batch.events ? batch.rollups : rollups(usageDb(trx as any), kept, batch.projectNames);
  for (const query of sums) await trx.executeQuery(query);
  for (const { organizationId, month, query } of orgMonths) {
    try {
      await trx.executeQuery(query);
    } catch (err) {
      const column = violatedBound(err);
      throw column ? new MonthBoundError(organizationId, month, column) : err;
    }
  }
  return kept;
}

/** Which of `eventIds` the gateway has recorded for the project (a raw event is kept TENANCY_USAGE_RETENTION_DAYS, ingestion.ts). */
export async function recordedEventIds(db: Executor, gatewayId: string, projectId: string, eventIds: string[]): Promise<Set<string>> {
  const rows = await usageDb(db as any)
    .selectFrom("usage_events")
    .select("event_id")
    .where("project_id", "=", projectId)
    .where("gateway_id", "=", gatewayId)
    .where("event_id", "in", eventIds)
    .execute();
  return new Set(rows.map((r) => r.event_id));
}

/**
 * Raw events only deduplicate; past the retention their sums live on in the rollups. Deletes at
 * most `limit` of those older than `before` in one statement; returns how many it deleted.
 */
export async function pruneEvents(db: Executor, before: string, limit: number): Promise<number> {
  const trx = usageDb(db as any);
  const oldest = trx.selectFrom("usage_events").select(["project_id", "gateway_id", "event_id"]).where("at", "<", before).limit(limit);
  const result = await trx
    .deleteFrom("usage_events")
    .where(sql<boolean>`(project_id, gateway_id, event_id) in (${oldest})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface RollupQuery {
  organizationId: string;
  table: "usage_hourly" | "usage_daily";
  from: string;
  to: string;
  groupBy: ("project_id" | "api_key_id" | "model")[];
  /** Only these projects (a project member's view); undefined means the whole organization. */
  projectIds?: string[];
}

export type RollupResult = { start: string; project_id?: string; api_key_id?: string; model?: string } & Record<keyof Totals, string>;

export async function queryRollups(db: Executor, q: RollupQuery): Promise<RollupResult[]> {
  const cols = ["start", ...q.groupBy] as const;
  let query = usageDb(db as any)
    .selectFrom(q.table)
    .select(cols as any)
    .select(SUMS.map(exactSum))
    .where("organization_id", "=", q.organizationId)
    .where("start", ">=", q.from)
    .where("start", "<", q.to);
  if (q.projectIds) query = query.where("project_id", "in", q.projectIds.length ? q.projectIds : [""]);
  return (await query.groupBy(cols as any).orderBy(cols as any).execute()) as unknown as RollupResult[];
}

export type InvoiceLineRow = Omit<MonthlyRow, keyof Totals> & Record<keyof Totals, string> & { project_name: string };

export async function monthlyLines(db: Executor, organizationId: string, month?: string, projectIds?: string[]): Promise<InvoiceLineRow[]> {
  let q = usageDb(db as any)
    .selectFrom("usage_monthly as m")
    .innerJoin("projects as p", "p.id", "m.project_id")
    .select(["m.month", "m.organization_id", "m.project_id", "m.model"])
    .select(SUMS.map((c) => exact(`m.${c}`).as(c)))
    // The name the month recorded: a final invoice stays as it was when its project is renamed.
    .select((eb) => eb.fn.coalesce("m.project_name", "p.name").as("project_name"))
    .where("m.organization_id", "=", organizationId);
  if (month) q = q.where("m.month", "=", month);
  if (projectIds) q = q.where("m.project_id", "in", projectIds.length ? projectIds : [""]);
  return q
    .orderBy("m.month", "desc").orderBy((eb) => eb.fn.coalesce("m.project_name", "p.name")).orderBy("m.project_id").orderBy("m.model").execute();
}

/**
 * A project's recorded spend in a month (micro-USD): what a budget counter starts from. A double:
 * budgets are at most 10^15 micro-USD, so past 2^53 the counter only has to stay above every budget.
 */
export async function monthSpend(db: Executor, projectId: string, month: string): Promise<number> {
  const row = await usageDb(db as any)
    .selectFrom("usage_monthly")
    .select(exactSum("cost_micros"))
    .where("project_id", "=", projectId)
    .where("month", "=", month)
    .executeTakeFirst();
  return Number(row?.cost_micros ?? 0);
}
