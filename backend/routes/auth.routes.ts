import { AUTH_OPERATIONS as OPS } from "../../schema/auth.operations";
import { route, RouteDef } from "../http/route";
import { pollDevice, startDevice } from "../sign-in/device.service";
import type { SignInRuntime } from "../sign-in/sign-in.runtime";
import { revokeTokenWithAudit } from "../services/tokens.service";

/**
 * Sign-in for command lines and sign-out (schema/auth.operations.ts). The browser half (the
 * verification page and the provider's callback) is in sign-in/pages.routes.ts.
 */
export function authRoutes(signIn: SignInRuntime): RouteDef[] {
  return [
    route(OPS.startDeviceSignIn, {
      scope: "none",
      permission: "public",
      handler: async ({ store, body }) => startDevice(store, signIn.providers, signIn.publicUrl, body.email),
    }),
    route(OPS.pollDeviceSignIn, {
      scope: "none",
      permission: "public",
      answers: ["authorization_pending", "slow_down", "expired_token", "access_denied"],
      handler: async ({ store, body }) => pollDevice(store, body.deviceCode),
    }),
    route(OPS.signOut, {
      scope: "user",
      permission: "self",
      async handler({ ctx, db }) {
        await revokeTokenWithAudit(ctx, db, ctx.caller.user.organization_id ?? null, ctx.caller.token.id);
      },
    }),
  ];
}
