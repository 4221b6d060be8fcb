"use strict";
/**
 * The least an authenticated read of one project can cost with Fastify: the caller's token found
 * in memory by its hash, one query (the server's own, project and caller's role in one), the
 * object mapped to its wire shape with its ETag, plus the log line and metrics every request pays.
 * No org policy, permission check, rate limit or request id: a floor, not a server.
 * Env: FLOOR_DATABASE_URL (sqlite:PATH or postgres://…), FLOOR_TOKEN, FLOOR_USER_ID, FLOOR_LOG.
 */
const { createHash } = require("node:crypto");
const { duties, bearerHash, listen } = require("./common");

const url = process.env.FLOOR_DATABASE_URL;
const SQL = `select "p".*, "m"."role" from "projects" as "p" left join "project_members" as "m" on "m"."project_id" = "p"."id" and "m"."user_id" = $1 where "p"."id" = $2`;
let query;
if (url.startsWith("sqlite:")) {
  const db = new (require("better-sqlite3"))(url.slice("sqlite:".length), { readonly: true });
  const statement = db.prepare(SQL.replace(/\$\d/g, "?"));
  query = async (user, id) => statement.all([user, id]);
} else {
  const pool = new (require("pg").Pool)({ connectionString: url, max: 10 });
  query = async (user, id) => (await pool.query(SQL, [user, id])).rows;
}
const tokens = new Map([[createHash("sha256").update(process.env.FLOOR_TOKEN).digest("hex"), process.env.FLOOR_USER_ID]]);

const app = require("fastify")();
duties(app, process.env.FLOOR_LOG);
app.get("/v1/organizations/:orgId/projects/:projectId", async (req, reply) => {
  const user = tokens.get(bearerHash(req));
  if (!user) return reply.status(401).send({ code: "unauthenticated" });
  const [row] = await query(user, req.params.projectId);
  if (!row || row.organization_id !== req.params.orgId) return reply.status(404).send({ code: "not_found" });
  reply.header("etag", `"${row.version}"`);
  const { id, organization_id, name, environment, external_id, status, archived_at, created_at, updated_at, version } = row;
  const project = { id, organizationId: organization_id, name, environment, ...JSON.parse(row.fields), status, createdAt: created_at, updatedAt: updated_at, version };
  if (external_id !== null) project.externalId = external_id;
  if (archived_at !== null) project.archivedAt = archived_at;
  return project;
});
listen(app);
