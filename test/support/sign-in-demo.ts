import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT, SERVER } from "./backend";
import { startIdentityProvider } from "./identity-provider";

/**
 * `npm run -s sign-in-demo`: a backend on 127.0.0.1 whose people sign in through a local test
 * identity provider (oidc-provider, the one the tests use), to try `tenancy login` and `pulumi up`
 * as a person, with nobody minting a token on the server host. Its store is
 * .tenancy/sign-in-demo.db, its log .tenancy/sign-in-demo.log; Ctrl-C stops both. The provider's sign-in form takes an account name:
 * `ana` (ana@acme.test, signs in with a second factor) or `ben` (ben@acme.test, password only).
 * SIGN_IN_DEMO_PORT moves the backend (the provider takes the next port).
 */
const port = Number(process.env.SIGN_IN_DEMO_PORT ?? 7411);
const accounts = {
  ana: { email: "ana@acme.test", emailVerified: true, amr: ["pwd", "otp"] },
  ben: { email: "ben@acme.test", emailVerified: true, amr: ["pwd"] },
};

async function main(): Promise<void> {
  const url = `http://127.0.0.1:${port}`;
  const idp = await startIdentityProvider(accounts, `${url}/v1/auth/callback`, { port: port + 1 }).catch((error: Error) => {
    throw new Error(`the test identity provider cannot listen on 127.0.0.1:${port + 1} (${error.message}); set SIGN_IN_DEMO_PORT to another port`);
  });
  mkdirSync(join(ROOT, ".tenancy"), { recursive: true });
  const backend = spawn(process.execPath, [SERVER], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
    env: {
      ...process.env,
      TENANCY_HOST: "127.0.0.1",
      TENANCY_PORT: String(port),
      TENANCY_PUBLIC_URL: url,
      TENANCY_DATABASE_URL: `sqlite:${join(ROOT, ".tenancy", "sign-in-demo.db")}`,
      TENANCY_OIDC_ISSUER: idp.issuer,
      TENANCY_OIDC_CLIENT_ID: idp.clientId,
      TENANCY_OIDC_CLIENT_SECRET: idp.clientSecret,
    },
  });
  // The backend's log goes to .tenancy/sign-in-demo.log; its "listening" line says it is ready.
  const log = createWriteStream(join(ROOT, ".tenancy", "sign-in-demo.log"), { flags: "a" });
  let out: string | undefined = "";
  backend.stdout!.on("data", (chunk: Buffer) => {
    log.write(chunk);
    if (out === undefined) return;
    out += chunk.toString();
    if (!out.includes('"listening"')) return;
    out = undefined;
    console.log(
      [
        `tenancy backend ${url}, people sign in at the test identity provider ${idp.issuer}`,
        `(accounts: ana = ana@acme.test with a second factor, ben = ben@acme.test with a password only).`,
        "In another terminal:",
        `  npx tenancy login --endpoint ${url} --email ana@acme.test`,
        "  (open the link, check the code, type ana in the provider's form)",
        "  npx tenancy whoami",
        `  cd <a folder with Pulumi.yaml and tenancy.yaml> && pulumi config set tenancy:endpoint ${url} && pulumi up`,
        "Ctrl-C stops the backend and the provider.",
      ].join("\n"),
    );
  });
  const stop = () => {
    backend.kill("SIGTERM");
    void idp.close();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  backend.once("exit", (code, signal) => {
    void idp.close();
    if (signal !== "SIGTERM" && code !== 0) {
      console.error(`the backend exited (${code ?? signal}) before it was stopped`);
      process.exit(1);
    }
  });
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
