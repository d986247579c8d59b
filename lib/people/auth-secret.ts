import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ConfigError, type GantryConfig } from "@/lib/config";

/**
 * The secret that signs session cookies: GANTRY_AUTH_SECRET, or — in the
 * embedded default only — a random one generated once into
 * `<dataDir>/auth-secret` (mode 0600), so sessions survive restarts without
 * any configuration. With an external database (DATABASE_URL) there is no
 * safe place to invent one: several replicas would each make their own.
 */

function authSecretFile(dataDir: string): string {
  return path.join(dataDir, "auth-secret");
}

/** At start (scripts/start.ts): the secret, created when the embedded default has none yet. */
export function resolveAuthSecret(params: { config: GantryConfig; embedded: boolean }): string {
  const { config } = params;
  if (config.auth.secret) return config.auth.secret;
  if (!params.embedded) {
    throw new ConfigError([
      "GANTRY_AUTH_SECRET: required with an external database (DATABASE_URL); set 32 or more random characters, e.g. `openssl rand -base64 32`",
    ]);
  }
  const file = authSecretFile(config.dataDir);
  const existing = readSecretFile(file);
  if (existing) return existing;
  fs.mkdirSync(config.dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  const scratch = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(scratch, `${secret}\n`, { mode: 0o600 });
  fs.chmodSync(scratch, 0o600);
  fs.renameSync(scratch, file);
  return secret;
}

/** In the server: the configured secret, else the embedded default's file; never invents one. */
export function readAuthSecret(config: GantryConfig): string {
  if (config.auth.secret) return config.auth.secret;
  const fromFile = readSecretFile(authSecretFile(config.dataDir));
  if (fromFile) return fromFile;
  throw new ConfigError([
    "GANTRY_AUTH_SECRET: not set, and the embedded default's secret file does not exist (start Gantry with `npm start`)",
  ]);
}

function readSecretFile(file: string): string | null {
  try {
    const value = fs.readFileSync(file, "utf8").trim();
    return value.length >= 32 ? value : null;
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return null;
    throw error;
  }
}
