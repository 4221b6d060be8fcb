import { z } from "zod";
import { dottedPath, fieldIssues } from "./issues";

/**
 * The one error vocabulary of tenancy. The backend throws `TenancyError`s and renders them as
 * problem+json; the client rebuilds the same class from the body; the provider wraps it with the
 * resource it was working on. A new code must be added here, with its status, or nothing compiles.
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  unauthenticated: 401,
  token_too_old: 401,
  token_idle: 401,
  forbidden: 403,
  ip_not_allowed: 403,
  not_found: 404,
  unknown_route: 404,
  name_taken: 409,
  member_exists: 409,
  external_id_taken: 409,
  last_admin: 409,
  owns_active_keys: 409,
  has_active_projects: 409,
  invitation_closed: 409,
  invitation_pending: 409,
  request_timeout: 408,
  version_mismatch: 412,
  payload_too_large: 413,
  headers_too_large: 431,
  idempotency_mismatch: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
  // The data plane (backend/usage).
  limit_exceeded: 429,
  model_not_allowed: 403,
  read_only_key: 403,
  key_invalid: 403,
  unknown_model: 422,
  limits_unavailable: 503,
  // Sign-in: the device authorization grant's poll answers (RFC 8628 section 3.5), and the
  // organization policies a signed-in token must meet.
  authorization_pending: 400,
  slow_down: 400,
  expired_token: 400,
  access_denied: 400,
  sso_required: 403,
  mfa_required: 403,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

const TITLES: Record<ErrorCode, string> = {
  invalid_request: "Invalid request",
  unauthenticated: "Unauthenticated",
  token_too_old: "Token too old",
  token_idle: "Token idle",
  forbidden: "Forbidden",
  ip_not_allowed: "IP address not allowed",
  not_found: "Not found",
  unknown_route: "Unknown route",
  name_taken: "Name taken",
  member_exists: "Member exists",
  external_id_taken: "External id taken",
  last_admin: "Last admin",
  owns_active_keys: "Owns active keys",
  has_active_projects: "Has active projects",
  invitation_closed: "Invitation closed",
  invitation_pending: "Invitation pending",
  request_timeout: "Request timeout",
  version_mismatch: "Version mismatch",
  payload_too_large: "Payload too large",
  headers_too_large: "Headers too large",
  idempotency_mismatch: "Idempotency key reused",
  rate_limited: "Rate limited",
  internal: "Internal error",
  unavailable: "Service unavailable",
  limit_exceeded: "Limit exceeded",
  model_not_allowed: "Model not allowed",
  read_only_key: "Read-only API key",
  key_invalid: "API key invalid",
  unknown_model: "Unknown model",
  limits_unavailable: "Limits unavailable",
  authorization_pending: "Authorization pending",
  slow_down: "Slow down",
  expired_token: "Expired device code",
  access_denied: "Access denied",
  sso_required: "SSO required",
  mfa_required: "MFA required",
};

export const fieldError = z.strictObject({ path: z.string(), message: z.string() });
export type FieldError = z.infer<typeof fieldError>;

export const problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  code: z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]),
  errors: z.array(fieldError).optional(),
  requestId: z.string(),
  // Conflicts carry what they conflict with (the existing membership, the keys still owned).
  existing: z.unknown().optional(),
  keys: z.array(z.unknown()).optional(),
  // limit_exceeded names the project limit that refused the request.
  limit: z.string().optional(),
  // sso_required and mfa_required say where to sign in to meet the organization's policy.
  signIn: z.strictObject({ issuer: z.string().optional(), url: z.string(), command: z.string() }).optional(),
});
export type Problem = z.infer<typeof problem>;

export interface ErrorExtras {
  errors?: FieldError[];
  existing?: unknown;
  keys?: unknown[];
  retryAfterSeconds?: number;
  limit?: string;
  signIn?: Problem["signIn"];
}

/** A failure with a stable code; `message` is lowercase, names the input, says what is valid. */
export class TenancyError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extras: ErrorExtras = {},
  ) {
    super(message);
    this.name = "TenancyError";
    this.status = ERROR_STATUS[code];
  }

  /** The problem+json body; `requestId` ties it to the server's log line. */
  toProblem(requestId: string): Problem {
    const { errors, existing, keys, limit, signIn } = this.extras;
    return {
      type: `https://tenancy.dev/problems/${this.code.replace(/_/g, "-")}`,
      title: TITLES[this.code],
      status: this.status,
      detail: this.message,
      code: this.code,
      ...(errors ? { errors } : {}),
      ...(existing !== undefined ? { existing } : {}),
      ...(keys ? { keys } : {}),
      ...(limit ? { limit } : {}),
      ...(signIn ? { signIn } : {}),
      requestId,
    };
  }
}

/** Turns zod issues into the `errors[]` of a 400, one entry per offending field. */
export function fieldErrors(issues: readonly z.core.$ZodIssue[], prefix = ""): FieldError[] {
  return fieldIssues(issues).map((i) => ({ path: dottedPath([prefix, ...i.path].filter((s) => s !== "")) || "(body)", message: i.message }));
}

/** The one way to build a 400 naming fields: its detail is made of the same entries, so the two never disagree. */
export function invalidFields(errors: FieldError[]): TenancyError {
  return new TenancyError("invalid_request", errors.map((e) => `${e.path}: ${e.message}`).join("; "), { errors });
}

/** A 400 naming every bad field, with a one-line summary as its detail. */
export function invalid(issues: readonly z.core.$ZodIssue[], prefix = ""): TenancyError {
  return invalidFields(fieldErrors(issues, prefix));
}
