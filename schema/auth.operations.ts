import { deviceAuthorization, deviceRequest, deviceTokenRequest, signedIn } from "./auth";
import { operations } from "./operation";

/** Sign-in for command lines (RFC 8628 device authorization, in the API's camelCase) and sign-out. */
export const AUTH_OPERATIONS = operations({
  startDeviceSignIn: {
    method: "POST",
    path: "/v1/auth/device",
    summary: "Start a sign-in from a command line: a code for the person to confirm at verificationUri, and the device code to poll POST /v1/auth/token with (RFC 8628)",
    status: 200,
    body: deviceRequest,
    response: deviceAuthorization,
  },
  pollDeviceSignIn: {
    method: "POST",
    path: "/v1/auth/token",
    summary: "Poll a device sign-in: authorization_pending, slow_down, expired_token or access_denied until the person signed in, then a management token (once)",
    status: 200,
    body: deviceTokenRequest,
    response: signedIn,
  },
  signOut: {
    method: "POST",
    path: "/v1/auth/logout",
    summary: "Sign out: revoke the calling token",
    status: 204,
  },
});
