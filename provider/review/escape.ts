/**
 * The one way a text from the program or the backend (a name, an email, a label, a value, a type
 * token) enters the review or the launch sheet: as inert, visible GitHub-flavoured Markdown text.
 * A pull request writes these texts, so each is hostile until escaped here; the report's own
 * markup (headings, tables, bold) is added around escaped texts, never inside them.
 *
 * - Line breaks (CR, LF, U+2028, U+2029, NEL), other control characters, bidi controls and
 *   zero-width or other format characters are shown as `⟨U+XXXX⟩`: they can neither end a table
 *   row nor hide or reorder what a reviewer reads.
 * - The characters that start inline Markdown anywhere (`\\`, backticks, `*`, `_`, `[`, `]`, `<`,
 *   `>`, `&`, `|`, `~`, `!`, `#`, `@`, `$`) are backslash-escaped (CommonMark allows it for every
 *   ASCII punctuation character), so no HTML, comment, entity, link, image, emphasis, code,
 *   strikethrough or math can start inside the text, and `|` cannot end a table cell. So are
 *   those that start an autolink (`:` before `/`, `.` after `www`) and, at the text's start,
 *   those that start a block (`-`, `+`, `=`, the `.` or `)` after digits), so the text is inert
 *   at the start of a line too; leading spaces become `&#32;` (four would start a code block).
 *   The rest (`,` `.` `-` `'` `(` `/` …) is inert inside a line and left as written, readable.
 */

const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
const INLINE = /[\\`*_[\]<>&|~!#@$]|:(?=\/)|(?<=www)\./gi;
const LEADING = /^([ \t]*)([-+=]|\d+[.)])/;
const WORD_JOINER = "\u2060";

export function escapeMarkdown(text: string): string {
  return text
    .replace(INVISIBLE, (c) => `⟨U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}⟩`)
    .replace(INLINE, (c) => (c === "@" || c === "#" ? `\\${c}${WORD_JOINER}` : `\\${c}`))
    .replace(LEADING, (_m, space: string, mark: string) => `${space}${mark.slice(0, -1)}\\${mark.slice(-1)}`)
    .replace(/^ +/, (spaces) => "&#32;".repeat(spaces.length));
}

/**
 * A multi-line plain-text report (`tenancy drift`'s) as inert Markdown: each line escaped as
 * above, the lines kept apart by hard line breaks (a backslash at the line's end).
 */
export function escapeMarkdownLines(text: string): string {
  return text.split("\n").map(escapeMarkdown).join("\\\n");
}
