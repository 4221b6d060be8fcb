/**
 * `pulumi-tenancy/gateway`: what an operator's API gateway runs to ask the backend for each
 * request's decision and to report its usage without losing any (README, "Gateway client").
 */
export { GatewayClient, type GatewayClientOptions, type GatewayClientEvents, type Rejection } from "./client";
export { GatewayError, GatewayUnavailableError, type Problem } from "./errors";
export type { AuthorizeInput, AuthorizeResult, LimitName, UsageEvent } from "../schema/usage";
