/**
 * The few server-rendered pages of sign-in: plain HTML, no script, no style, no image, so the
 * Content-Security-Policy can forbid everything but the one form and where it leads.
 */

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Every text that reaches a page goes through this: user codes, emails and reasons are input. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/**
 * Nothing loads, nothing frames the page, and forms go to this backend or (through its redirect)
 * to the identity provider only: browsers check `form-action` on the redirect too.
 */
export function contentSecurityPolicy(formTargets: readonly string[]): string {
  return ["default-src 'none'", `form-action 'self'${formTargets.map((t) => ` ${t}`).join("")}`, "frame-ancestors 'none'", "base-uri 'none'"].join("; ");
}

export interface Page {
  status: number;
  title: string;
  /** Paragraphs of plain text (escaped here). */
  lines: readonly string[];
  /** A form that posts `user_code` back to the verification page. */
  confirm?: { userCode?: string; email?: string };
}

export function renderPage({ title, lines, confirm }: Page): string {
  const paragraphs = lines.map((l) => `<p>${escapeHtml(l)}</p>`).join("\n");
  // The entry form (a code typed by hand) only shows the confirmation page, whose policy allows
  // the device's own provider (an organization's, maybe): only that page's form leads there.
  const form = confirm
    ? `<form method="${confirm.email ? "post" : "get"}" action="/console/device">
<label for="user_code">Code shown in your terminal</label>
<input id="user_code" name="user_code" value="${escapeHtml(confirm.userCode ?? "")}" autocomplete="off" autocapitalize="characters" required>
<button type="submit">${confirm.email ? `Sign in as ${escapeHtml(confirm.email)}` : "Continue"}</button>
</form>`
    : "";
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="referrer" content="no-referrer"><title>${escapeHtml(title)} · tenancy</title></head>
<body>
<h1>${escapeHtml(title)}</h1>
${paragraphs}
${form}
</body>
</html>
`;
}
