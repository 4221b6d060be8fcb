import { deviceAuthorization, deviceRequest, deviceTokenRequest, signedIn } from "../../schema/auth";
import { route, RouteDef } from "../http/route";
import { pollDevice, startDevice } from "../sign-in/device.service";
import type { SignInRuntime } from "../sign-in/sign-in.runtime";
import { revokeTokenWithAudit } from "../services/tokens.service";

/**
 * Sign-in for command lines (RFC 8628 device authorization, in the API's camelCase) and sign-out.
 * The browser half (the verification page and the provider's callback) is in sign-in/pages.routes.ts.
 */
export function authRoutes(signIn: SignInRuntime): RouteDef[] {
  return [
    route({
      method: "POST",
      path: "/v1/auth/device",
      operationId: "startDeviceSignIn",
      scope: "none",
      permission: "public",
      summary: "Start a sign-in from a command line: a code for the person to confirm at verificationUri, and the device code to poll POST /v1/auth/token with (RFC 8628)",
      status: 200,
      body: deviceRequest,
      response: deviceAuthorization,
      handler: async ({ store, body }) => startDevice(store, signIn.providers, signIn.publicUrl, body.email),
    }),
    route({
      method: "POST",
      path: "/v1/auth/token",
      operationId: "pollDeviceSignIn",
      scope: "none",
      permission: "public",
      summary: "Poll a device sign-in: authorization_pending, slow_down, expired_token or access_denied until the person signed in, then a management token (once)",
      status: 200,
      body: deviceTokenRequest,
      response: signedIn,
      answers: ["authorization_pending", "slow_down", "expired_token", "access_denied"],
      handler: async ({ store, body }) => pollDevice(store, body.deviceCode),
    }),
    route({
      method: "POST",
      path: "/v1/auth/logout",
      operationId: "signOut",
      scope: "user",
      permission: "self",
      summary: "Sign out: revoke the calling token",
      status: 204,
      async handler({ ctx, db }) {
        await revokeTokenWithAudit(ctx, db, ctx.caller.user.organization_id ?? null, ctx.caller.token.id);
      },
    }),
  ];
}
