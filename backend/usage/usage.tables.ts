import type { Kysely } from "kysely";
import type { Db } from "../store/db";

/**
 * Row types of migrations 003 and 005. Counters are written as numbers or BigInts and read back as
 * decimal strings (the repository casts its sums to text): past 2^53 a double would round them.
 */
type Counter = number | bigint | string;

export interface UsageEventRow {
  project_id: string;
  /** The gateway credential that reported it (migration 007; '' before it): an eventId counts once per gateway and project. */
  gateway_id: string;
  event_id: string;
  api_key_id: string;
  organization_id: string;
  /** The name the client sent. */
  model: string;
  /** The price entry the event was priced by (migration 005; null before it). */
  priced_as: string | null;
  input_tokens: Counter;
  output_tokens: Counter;
  cost_micros: Counter;
  at: string;
  received_at: string;
}

export interface RollupRow {
  start: string;
  organization_id: string;
  project_id: string;
  api_key_id: string;
  model: string;
  requests: Counter;
  input_tokens: Counter;
  output_tokens: Counter;
  cost_micros: Counter;
}

export interface MonthlyRow extends Omit<RollupRow, "start" | "api_key_id"> {
  month: string;
  /** The project's name as of the month's last recorded batch (null: unknown, the current name is shown). */
  project_name: string | null;
}

/** An organization's month as a whole, kept within MONTH_BOUNDS by its CHECK constraints. */
export type OrgMonthRow = Omit<MonthlyRow, "project_id" | "model" | "project_name">;

export type UsageTables = {
  usage_events: UsageEventRow;
  usage_hourly: RollupRow;
  usage_daily: RollupRow;
  usage_monthly: MonthlyRow;
  usage_org_monthly: OrgMonthRow;
};

/** The store's query builder, seeing the usage tables too. */
export type UsageDb = Kysely<import("../store/tables").Database & UsageTables>;
export const usageDb = (db: Db) => db.withTables<UsageTables>() as unknown as UsageDb;
