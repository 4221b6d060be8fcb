import { createServer, IncomingMessage, Server } from "node:http";
import { AddressInfo } from "node:net";

/**
 * A local server that answers the REST calls of `tenancy comment` and `tenancy drift-issue` as
 * GitHub does (GitHub is unreachable here): `Bearer` tokens, 401 for a wrong one, 404 for an
 * unknown repository or pull request, pages of `per_page` items with a `Link` header, rate-limit
 * headers on every answer, and on demand a 403 for a missing permission or a used-up rate limit.
 */

export interface FakeComment {
  id: number;
  body: string;
}
export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  labels: { name: string }[];
  comments: string[];
  pull_request?: object;
}

export interface FakeGitHub {
  url: string;
  repo: string;
  token: string;
  comments: Map<number, FakeComment[]>;
  issues: FakeIssue[];
  /** Every request: method, path with query, and its Authorization header. */
  requests: { method: string; path: string; authorization?: string }[];
  /** Answer the next requests with a 403: a token without the permission, or a used-up rate limit. */
  refuse?: "permission" | "rate-limit";
  close(): Promise<void>;
}

export async function fakeGitHub(): Promise<FakeGitHub> {
  let nextId = 1000;
  const state: Omit<FakeGitHub, "url" | "close"> = { repo: "acme/infra", token: "ghs_fakeInstallationToken0123456789", comments: new Map([[7, []]]), issues: [], requests: [] };
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    state.requests.push({ method: req.method ?? "", path: url.pathname + url.search, authorization: req.headers.authorization });
    const reset = Math.floor(Date.UTC(2026, 11, 7, 9, 0, 0) / 1000);
    res.setHeader("x-ratelimit-limit", "5000");
    res.setHeader("x-ratelimit-remaining", state.refuse === "rate-limit" ? "0" : "4999");
    res.setHeader("x-ratelimit-reset", String(reset));
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers }).end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${state.token}`) return send(401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" });
    if (state.refuse === "rate-limit") return send(403, { message: "API rate limit exceeded for installation ID 1." });
    if (state.refuse === "permission") return send(403, { message: "Resource not accessible by integration" });
    const body = req.method === "GET" ? undefined : await json(req);
    const prefix = `/repos/${state.repo}/`;
    if (!url.pathname.startsWith(prefix)) return send(404, { message: "Not Found" });
    const rest = url.pathname.slice(prefix.length);
    let m: RegExpExecArray | null;
    const page = <T>(items: T[]) => {
      const per = Math.min(Number(url.searchParams.get("per_page") ?? 30), 100);
      const n = Number(url.searchParams.get("page") ?? 1);
      const last = Math.max(1, Math.ceil(items.length / per));
      const link = (p: number) => { const u = new URL(url.toString().replace("http://127.0.0.1", base())); u.searchParams.set("page", String(p)); return u.toString(); };
      const headers: Record<string, string> = n < last ? { link: `<${link(n + 1)}>; rel="next", <${link(last)}>; rel="last"` } : {};
      send(200, items.slice((n - 1) * per, n * per), headers);
    };
    if ((m = /^issues\/(\d+)\/comments$/.exec(rest))) {
      const n = Number(m[1]);
      const issue = state.issues.find((i) => i.number === n);
      const list = state.comments.get(n);
      if (!list && !issue) return send(404, { message: "Not Found" });
      if (req.method === "GET") return page(list ?? []);
      const c = { id: nextId++, body: (body as { body: string }).body };
      if (issue) issue.comments.push(c.body);
      else list!.push(c);
      return send(201, c);
    }
    if ((m = /^issues\/comments\/(\d+)$/.exec(rest)) && req.method === "PATCH") {
      const c = [...state.comments.values()].flat().find((x) => x.id === Number(m![1]));
      if (!c) return send(404, { message: "Not Found" });
      c.body = (body as { body: string }).body;
      return send(200, c);
    }
    if (rest === "issues" && req.method === "GET") {
      const labels = url.searchParams.get("labels")?.split(",") ?? [];
      return page(state.issues.filter((i) => i.state === url.searchParams.get("state") && labels.every((l) => i.labels.some((x) => x.name === l))));
    }
    if (rest === "issues" && req.method === "POST") {
      const b = body as { title: string; body: string; labels: string[] };
      const issue: FakeIssue = { number: state.issues.length + 1, title: b.title, body: b.body, state: "open", labels: b.labels.map((name) => ({ name })), comments: [] };
      state.issues.push(issue);
      return send(201, issue);
    }
    if ((m = /^issues\/(\d+)$/.exec(rest)) && req.method === "PATCH") {
      const issue = state.issues.find((i) => i.number === Number(m![1]));
      if (!issue) return send(404, { message: "Not Found" });
      Object.assign(issue, body);
      return send(200, issue);
    }
    send(404, { message: "Not Found" });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, { url: base(), close: () => new Promise<void>((r) => server.close(() => r())) });
}

async function json(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
}

