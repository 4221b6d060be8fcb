import { dispatchingProvider } from "./dispatching";

// The apiKey provider is this module's exports: state stores `require("pulumi-tenancy/dist/provider/kinds/api-key.js")`
// for it (see ../stub.ts), so this path and its exports are public API.
export = dispatchingProvider("apiKey");
