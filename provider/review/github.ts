/**
 * The few GitHub REST calls the workflow's commands make (comments, issues), with GitHub's own
 * rules: the token as `Authorization: Bearer`, lists paginated by the `Link` header, and each
 * failure turned into a sentence saying what to fix. The token is never part of a message.
 */

export interface GitHubOptions {
  /** `owner/name`. */
  repo: string;
  token: string;
  /** GITHUB_API_URL: https://api.github.com, or a GitHub Enterprise Server's. */
  apiUrl?: string;
}

export class GitHubError extends Error {}

/** `owner/name` as GitHub allows them. */
export const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

export class GitHub {
  readonly repo: string;
  private readonly api: string;

  constructor(private readonly options: GitHubOptions) {
    if (!REPO.test(options.repo)) throw new GitHubError(`the repository must be owner/name, not '${options.repo}'`);
    this.repo = options.repo;
    this.api = (options.apiUrl || "https://api.github.com").replace(/\/+$/, "");
  }

  /** One call; `what` names it in errors ("pull request 7's comments"). */
  async send<T>(method: string, path: string, what: string, body?: unknown): Promise<T> {
    const res = await this.fetch(method, `${this.api}/repos/${this.repo}${path}`, what, body);
    return (await res.json()) as T;
  }

  /** Every item of a list, following `Link: <…>; rel="next"` page by page. */
  async list<T>(path: string, what: string): Promise<T[]> {
    const items: T[] = [];
    for (let url: string | undefined = `${this.api}/repos/${this.repo}${path}${path.includes("?") ? "&" : "?"}per_page=100`; url; ) {
      const res = await this.fetch("GET", url, what);
      items.push(...((await res.json()) as T[]));
      url = nextLink(res.headers.get("link"));
    }
    return items;
  }

  private async fetch(method: string, url: string, what: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.token}`,
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
      "user-agent": "tenancy-review",
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new GitHubError(`cannot reach GitHub at ${this.api} (${(err as Error).cause ?? (err as Error).message}); check GITHUB_API_URL`);
    }
    if (res.ok) return res;
    const detail = await res.json().then((b: unknown) => (b as { message?: string } | null)?.message, () => undefined);
    throw new GitHubError(failure(res, method, what, this.repo, detail));
  }
}

/** What a failed call means and what to change. */
function failure(res: Response, method: string, what: string, repo: string, detail?: string): string {
  const said = detail ? ` (GitHub: ${detail})` : "";
  const remaining = res.headers.get("x-ratelimit-remaining");
  if ((res.status === 403 || res.status === 429) && (remaining === "0" || res.headers.get("retry-after"))) {
    const reset = Number(res.headers.get("x-ratelimit-reset"));
    const when = Number.isFinite(reset) && reset > 0 ? `until ${new Date(reset * 1000).toISOString()}` : `for ${res.headers.get("retry-after") ?? "a while"} s`;
    return `GitHub's rate limit for this token is used up ${when}: ${method} ${what} of ${repo} was not made; run the job again later${said}`;
  }
  if (res.status === 401) return `GitHub refused the token (401) for ${what} of ${repo}: check GITHUB_TOKEN${said}`;
  if (res.status === 403) return `the token may not ${method === "GET" ? "read" : "write"} ${what} of ${repo} (403): give the job the permission (pull-requests: write for comments, issues: write for issues)${said}`;
  if (res.status === 404) return `GitHub has no ${what} in ${repo} (404): check the repository (owner/name) and the number, and that the token can see the repository${said}`;
  if (res.status === 422) return `GitHub rejected ${method} ${what} of ${repo} (422)${said}`;
  return `GitHub answered ${res.status} to ${method} ${what} of ${repo}${said}`;
}

/** The `rel="next"` URL of a `Link` header, if any. */
export function nextLink(link: string | null): string | undefined {
  for (const part of (link ?? "").split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m) return m[1];
  }
  return undefined;
}
