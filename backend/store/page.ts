import { SelectQueryBuilder, sql } from "kysely";

/** Keyset pagination over (created_at, id): stable under inserts, no offsets to drift. */
export type Cursor = readonly [string, string];

export interface PageRequest {
  limit: number;
  after?: Cursor;
}

export interface RowPage<R> {
  rows: R[];
  hasMore: boolean;
  next: Cursor | null;
}

export async function fetchPage<R>(
  query: SelectQueryBuilder<any, any, R>,
  columns: readonly [string, string],
  page: PageRequest,
  cursorOf: (row: R) => Cursor,
  direction: "asc" | "desc" = "asc",
): Promise<RowPage<R>> {
  const [a, b] = columns;
  let q = query;
  const beyond = direction === "asc" ? sql.raw(">") : sql.raw("<");
  if (page.after) q = q.where(sql<boolean>`(${sql.ref(a)}, ${sql.ref(b)}) ${beyond} (${page.after[0]}, ${page.after[1]})`);
  const rows = await q.orderBy(sql.ref(a), direction).orderBy(sql.ref(b), direction).limit(page.limit + 1).execute();
  const hasMore = rows.length > page.limit;
  const kept = rows.slice(0, page.limit);
  return { rows: kept, hasMore, next: hasMore ? cursorOf(kept[kept.length - 1]) : null };
}

/**
 * A page of the rows `keep` accepts: reads on past the rows it drops until the page is full, so
 * `hasMore` is exact and the cursor is always a kept row (a dropped row's key never leaves).
 */
export async function fetchKeptPage<R>(
  query: SelectQueryBuilder<any, any, R>,
  columns: readonly [string, string],
  page: PageRequest,
  cursorOf: (row: R) => Cursor,
  keep: (row: R) => boolean,
): Promise<RowPage<R>> {
  const kept: R[] = [];
  let after = page.after;
  for (;;) {
    const batch = await fetchPage(query, columns, { limit: page.limit + 1, after }, cursorOf);
    kept.push(...batch.rows.filter(keep));
    if (kept.length > page.limit || !batch.hasMore) break;
    after = batch.next!;
  }
  const rows = kept.slice(0, page.limit);
  const hasMore = kept.length > page.limit;
  return { rows, hasMore, next: hasMore ? cursorOf(rows[rows.length - 1]) : null };
}
