import { unstorable } from "../../schema/common";
import { invalidField } from "./validate";
import type { Cursor, PageRequest, RowPage } from "../store/page";

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

function decodeCursor(value: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((p) => typeof p === "string" && !unstorable(p))) return [parsed[0], parsed[1]];
  } catch {
    // fall through to the 400 below
  }
  throw invalidField("after", "must be a nextCursor value from a previous page");
}

export function pageRequest(query: { limit: number; after?: string }): PageRequest {
  return { limit: query.limit, after: query.after === undefined ? undefined : decodeCursor(query.after) };
}

/** The wire shape of a list: `{data, hasMore, nextCursor}`. */
export function toPage<R, T>(page: RowPage<R>, map: (row: R) => T) {
  return { data: page.rows.map(map), hasMore: page.hasMore, nextCursor: page.next ? encodeCursor(page.next) : null };
}
