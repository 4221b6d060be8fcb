import { z } from "zod";

/**
 * Building blocks shared by every wire object. Both halves import these: the backend validates
 * requests with them, the OpenAPI document is generated from them, and the Pulumi provider's
 * `check` runs the very same schemas, so a rule is written once.
 */

// Characters that make two names look alike or hide what a name says: controls, every
// default-ignorable code point (soft hyphen, zero-width characters, variation selectors…), the
// bidirectional controls (the "RTL override" trick) and unpaired surrogates (not text at all).
const HIDDEN = /[\p{Cc}\p{Default_Ignorable_Code_Point}\p{Bidi_Control}\p{Cs}]/u;
const HIDDEN_MESSAGE = "must not contain control, invisible (default-ignorable), bidirectional-control or unpaired surrogate characters";
// Free text (descriptions, label values) may hold emoji, whose sequences use joiners and variation
// selectors; it still refuses controls, bidi controls, zero-width spaces and unpaired surrogates.
const HIDDEN_IN_PROSE = /[\p{Cc}\p{Bidi_Control}\p{Cs}\u200b\u2060-\u2064\ufeff]/u;
const HIDDEN_IN_PROSE_MESSAGE = "must not contain control, zero-width, bidirectional-control or unpaired surrogate characters";

// Names also refuse what passes for a space or for nothing but is neither: every space but U+0020
// (no-break, en, ideographic…), line and paragraph separators, and the blank braille pattern; and
// a combining mark with nothing to combine with at the start.
const LOOKALIKE_SPACE = /[\p{Zs}\p{Zl}\p{Zp}\u2800]/u;
const LOOKALIKE_SPACE_MESSAGE = "must use the ordinary space (U+0020) only: no no-break, wide or line-separating space, nor a blank braille pattern";
const LEADING_MARK = /^\p{M}/u;

/** Human-readable text: NFC-normalised, trimmed, nothing hidden (see HIDDEN); `prose` allows emoji sequences. */
export function text(max: number, min = 1, prose = false) {
  const hidden = prose ? HIDDEN_IN_PROSE : HIDDEN;
  const checked = z
    .string()
    .normalize("NFC")
    .trim()
    .min(min, min === 1 ? "must not be empty" : `must be at least ${min} characters`)
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !hidden.test(s), prose ? HIDDEN_IN_PROSE_MESSAGE : HIDDEN_MESSAGE);
  if (prose) return checked;
  return checked
    .refine((s) => !LOOKALIKE_SPACE.test(s.replaceAll(" ", "")), LOOKALIKE_SPACE_MESSAGE)
    .refine((s) => !LEADING_MARK.test(s), "must not begin with a combining mark");
}

// Identifiers a client chooses (usage event ids) are compared exactly as sent: no normalising or
// trimming, but nothing a database cannot store as it is. PostgreSQL refuses NUL and turns an
// unpaired surrogate into U+FFFD, so two ids would become one, or a stored id would no longer
// match the one sent; controls would also show differently in a log than in the request.
const UNSTORABLE = /[\p{Cc}\p{Cs}]/u;
export const UNSTORABLE_MESSAGE = "must not contain control characters (NUL included) or unpaired surrogates";
/** True when `s` holds what a database cannot store as sent (see UNSTORABLE). */
export const unstorable = (s: string): boolean => UNSTORABLE.test(s);

/** An identifier chosen by the client: 1 to `max` characters, stored and compared as sent. */
export function clientId(max: number) {
  const size = `must be 1-${max} characters`;
  return z
    .string()
    .min(1, size)
    .max(max, size)
    .refine((s) => !UNSTORABLE.test(s), UNSTORABLE_MESSAGE);
}

export const name = text(100);
export const description = text(1000, 0, true);
export const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, "must be at most 254 characters")
  .pipe(z.email("must be an email address such as ana@example.com"));

export const externalId = text(512);
export const days = z.int("must be a whole number of days").min(1, "must be at least 1 day").max(3650, "must be at most 3650 days");
export const timestamp = z.iso.datetime({ offset: true });
export const version = z.int().min(1);

export const labels = z
  .record(
    z.string().regex(/^[a-z0-9]([a-z0-9._\/-]{0,61}[a-z0-9])?$/, "label keys are 1-63 lowercase letters, digits, '.', '_', '-' or '/'"),
    text(256, 0, true),
  )
  .refine((m) => Object.keys(m).length <= 64, "at most 64 labels");

/** Fields every stored object carries on the wire. */
export const meta = {
  createdAt: timestamp,
  updatedAt: timestamp,
  version,
};

/** An id is a type prefix and an opaque random part: `org_…`, `proj_…`, `user_…`, `key_…`. */
export const ID_PREFIX = {
  organization: "org",
  project: "proj",
  user: "user",
  apiKey: "key",
  token: "tok",
  invitation: "inv",
  auditEvent: "evt",
  request: "req",
} as const;
export type IdKind = keyof typeof ID_PREFIX;

export function idOf(kind: IdKind) {
  return z.string().regex(new RegExp(`^${ID_PREFIX[kind]}_[A-Za-z0-9]{8,40}$`), `must be a ${ID_PREFIX[kind]}_… id`);
}

/** List responses: `{data, hasMore, nextCursor}`, with `?limit=` 1-100 (default 20) and `?after=`. */
export function page<T extends z.ZodType>(item: T) {
  return z.strictObject({ data: z.array(item), hasMore: z.boolean(), nextCursor: z.string().nullable() });
}

export const pageQuery = {
  limit: z.coerce.number().int("must be a whole number from 1 to 100").min(1, "must be from 1 to 100").max(100, "must be from 1 to 100").default(20),
  after: z.string().min(1).max(200).optional(),
};

/** The query fields of every list: `limit` and `after`, plus the list's own filters. */
export function listQuery<T extends z.ZodRawShape>(filters: T) {
  return z.strictObject({ ...pageQuery, ...filters });
}
