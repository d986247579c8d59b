/**
 * The Gantry command line: `npm run gantry -- <command>`.
 *
 *   import [--ref REF] [--full]   import the catalogue from the GitOps repository now
 *   layout check [--repo PATH|URL]  what gantry.yaml's rules discover, and every skipped file with why
 *   token create --name NAME [--scope S]… [--expires-in-days N]   create a CI token (printed once)
 *   token revoke --id ID                    revoke an API token
 *   release create --app APP --version V …  register a release over HTTP (cli/release-command.ts)
 *   rollback --app APP --env ENV --reason …  roll back over HTTP; hold list|release (cli/rollback-command.ts)
 *   agent --portal URL --cluster NAME [--kubeconfig PATH]   report cluster sync status
 *   cluster token --cluster NAME [--rotate | --revoke]   a cluster's agent token (printed once)
 *   audit verify         walk the audit chain; exit 1 at a broken link
 *   backup FILE          a consistent backup of the database and the local Git repositories
 *   restore FILE [--force]   restore one into a fresh embedded data directory
 *   user create|grant|disable|enable|reset-password|list   people and their grants (cli/user-commands.ts)
 *   help                 this text
 *
 * Commands are thin: parse arguments, call the domain, print the result.
 * They use the same database as the portal (DATABASE_URL, or the embedded
 * Postgres under GANTRY_DATA_DIR: the running portal's when there is one,
 * otherwise started for the command and stopped after it).
 */

import { parseArgs } from "node:util";
import { LAYOUT_USAGE } from "@/cli/layout-usage";
import { RELEASE_USAGE, runRelease } from "@/cli/release-command";
import { ROLLBACK_USAGE } from "@/cli/rollback-usage";
import { runUser, USER_USAGE } from "@/cli/user-commands";
import { ConfigError, getConfig } from "@/lib/config";
import { GantryError, isGantryError } from "@/lib/errors";
import { API_SCOPES } from "@/lib/identity/api-token";
import { log } from "@/lib/log";
import { dropOutputWhenReaderGoes } from "@/lib/runtime/closed-output";
import { connectDatabase } from "@/lib/runtime/connect-database";

// Each command loads what it needs when it runs (`await import`): `user create` beside a
// running portal should not pay for the Kubernetes client, Octokit and the catalogue import.
const USAGE = `Usage: npm run gantry -- <command> [options]

Commands:
  import [--ref REF] [--full]
                       Import the catalogue from the GitOps repository (default: its default branch);
                       --full reads every file again and compares every application, even when the
                       head was imported already
  token create --name NAME [--scope SCOPE]... [--team TEAM]... [--expires-in-days N]
                       Create a CI API token and print it once (scopes: ${API_SCOPES.join(", ")};
                       default promotions:read and promotions:write; releases:write needs --team)
  token revoke --id ID Revoke an API token
${RELEASE_USAGE}${ROLLBACK_USAGE}  agent --portal URL --cluster NAME [--kubeconfig PATH] [--path-prefix apps]
                       Watch Argo CD, Flux and annotated Deployments and report their status to the
                       portal (token in GANTRY_AGENT_TOKEN; in-cluster credentials unless --kubeconfig)
  cluster token --cluster NAME [--rotate | --revoke]
                       Issue a cluster's agent token and print it once; --rotate replaces it,
                       --revoke removes it (the agent's reports are then refused)
  audit verify [--json]
                       Walk the audit chain and recompute every hash; progress on stderr, exit 1
                       naming the first broken link
  backup FILE          Write a consistent backup (one database snapshot plus the local Git
                       repositories) to FILE, a .tar.gz readable only by you
  restore FILE [--force]
                       Restore a backup into GANTRY_DATA_DIR (embedded Postgres only), which must
                       be empty unless --force; Gantry must not be running on it
${USER_USAGE}${LAYOUT_USAGE}  help                 Show this help
`;

const progress = (message: string) => process.stderr.write(`${message}\n`);

async function runImport(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ref: { type: "string" }, full: { type: "boolean" } },
    strict: true,
  });
  const config = getConfig();
  const [
    { createDbClient },
    { prepareGitopsRepository },
    { importCatalogue },
    { createGitProvider },
    { analyzeAfterLargeImport },
  ] = await Promise.all([
    import("@/lib/db"),
    import("@/lib/runtime/boot"),
    import("@/lib/catalogue/import-catalogue"),
    import("@/lib/git"),
    import("@/lib/catalogue/analyze-after-import"),
  ]);
  const database = await connectDatabase(config, progress);
  const db = createDbClient(database.url);
  try {
    await prepareGitopsRepository(config, progress);
    const result = await importCatalogue({
      db,
      git: createGitProvider(config),
      ref: values.ref,
      versionPath: config.git.versionPath,
      layoutFile: config.git.layoutFile,
      trigger: "cli",
      full: values.full ?? false,
      onProgress: progress,
    });
    await analyzeAfterLargeImport({ db, result });
    process.stdout.write(`${JSON.stringify({ ...result, status: "succeeded" }, null, 2)}\n`);
    progress(`import took ${(result.durationMs / 1000).toFixed(1)} s`);
    if (result.problems > 0) {
      const problems = await db.importProblem.findMany({
        where: { importId: result.importId },
        orderBy: [{ file: "asc" }, { line: "asc" }],
      });
      for (const p of problems) {
        process.stderr.write(
          `problem: ${p.file}${p.line ? `:${p.line}` : ""}${p.column ? `:${p.column}` : ""}: ${p.message}\n`,
        );
      }
    }
    return 0;
  } finally {
    await db.$disconnect();
    await database.stop();
  }
}

async function runToken(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      name: { type: "string" },
      scope: { type: "string", multiple: true },
      team: { type: "string", multiple: true },
      id: { type: "string" },
      "expires-in-days": { type: "string" },
    },
    strict: true,
  });
  if (action !== "create" && action !== "revoke") {
    process.stderr.write(`gantry: token needs "create" or "revoke"\n\n${USAGE}`);
    return 2;
  }
  const config = getConfig();
  const [{ createDbClient }, { createApiToken }, { revokeApiToken }] = await Promise.all([
    import("@/lib/db"),
    import("@/lib/people/create-api-token"),
    import("@/lib/people/revoke-api-token"),
  ]);
  const database = await connectDatabase(config, progress);
  const db = createDbClient(database.url);
  try {
    if (action === "create") {
      if (!values.name) throw new GantryError("bad_request", "token create needs --name");
      const days = values["expires-in-days"];
      const created = await createApiToken({
        db,
        acting: "system",
        kind: "ci",
        name: values.name,
        scopes: values.scope,
        teams: values.team,
        expiresInDays: days === undefined ? undefined : Number(days),
      });
      progress(
        `created API token "${created.name}" (id ${created.id}, scopes ${created.scopes.join(", ")}); it is shown only this once:`,
      );
      process.stdout.write(`${created.token}\n`);
    } else {
      if (!values.id) throw new GantryError("bad_request", "token revoke needs --id");
      await revokeApiToken({ db, acting: "system", id: values.id });
      progress(`revoked API token ${values.id}`);
    }
    return 0;
  } finally {
    await db.$disconnect();
    await database.stop();
  }
}

async function runCluster(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      cluster: { type: "string" },
      rotate: { type: "boolean", default: false },
      revoke: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (action !== "token") {
    process.stderr.write(`gantry: cluster needs "token"\n\n${USAGE}`);
    return 2;
  }
  if (!values.cluster) throw new GantryError("bad_request", "cluster token needs --cluster");
  if (values.rotate && values.revoke) {
    throw new GantryError("bad_request", "cluster token takes --rotate or --revoke, not both");
  }
  const config = getConfig();
  const [
    { createDbClient },
    { registerClusterToken },
    { revokeClusterToken },
    { rotateClusterToken },
  ] = await Promise.all([
    import("@/lib/db"),
    import("@/lib/sync/register-cluster-token"),
    import("@/lib/sync/revoke-cluster-token"),
    import("@/lib/sync/rotate-cluster-token"),
  ]);
  const database = await connectDatabase(config, progress);
  const db = createDbClient(database.url);
  try {
    if (values.revoke) {
      const { revoked } = await revokeClusterToken({ db, cluster: values.cluster });
      progress(
        revoked
          ? `revoked the agent token of cluster ${values.cluster}`
          : `cluster ${values.cluster} had no agent token`,
      );
      return 0;
    }
    const issued = values.rotate
      ? await rotateClusterToken({ db, cluster: values.cluster })
      : await registerClusterToken({ db, cluster: values.cluster });
    progress(
      `${values.rotate ? "rotated" : "issued"} the agent token of cluster ${issued.cluster}; it is shown only this once:`,
    );
    process.stdout.write(`${issued.token}\n`);
    return 0;
  } finally {
    await db.$disconnect();
    await database.stop();
  }
}

async function runAudit(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: { json: { type: "boolean", default: false } },
    strict: true,
  });
  if (action !== "verify") {
    process.stderr.write(`gantry: audit needs "verify"\n\n${USAGE}`);
    return 2;
  }
  const config = getConfig();
  const [{ createDbClient }, { OPERATOR, verifyAuditChain }] = await Promise.all([
    import("@/lib/db"),
    import("@/lib/audit/verify-chain"),
  ]);
  const database = await connectDatabase(config, progress);
  const db = createDbClient(database.url);
  try {
    const result = await verifyAuditChain({
      db,
      principal: OPERATOR,
      onProgress: ({ checked, lastSequence, total }) =>
        progress(`checked ${checked} events (up to ${lastSequence} of ${total})`),
    });
    if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else if (result.firstBroken) {
      const { sequence, id, problem, message } = result.firstBroken;
      process.stdout.write(
        `audit chain BROKEN at sequence ${sequence} (event ${id}): ${problem}: ${message}\n` +
          `${result.brokenLinks} broken link(s) in ${result.checked} events\n`,
      );
    } else {
      process.stdout.write(
        `audit chain intact: ${result.checked} events, up to sequence ${result.lastSequence}\n`,
      );
    }
    return result.ok ? 0 : 1;
  } finally {
    await db.$disconnect();
    await database.stop();
  }
}

async function runBackup(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const [file] = positionals;
  if (!file || positionals.length > 1) {
    throw new GantryError(
      "bad_request",
      "backup needs one FILE to write, e.g. gantry-backup.tar.gz",
    );
  }
  const config = getConfig();
  const { createBackup } = await import("@/lib/runtime/create-backup");
  const database = await connectDatabase(config, progress);
  try {
    const manifest = await createBackup({
      databaseUrl: database.url,
      dataDir: config.dataDir,
      file,
      onProgress: progress,
    });
    const rows = manifest.tables.reduce((sum, table) => sum + table.rows, 0);
    process.stdout.write(
      `backup: ${rows} rows in ${manifest.tables.length} tables, ${manifest.repositories.length} Git repositories, written to ${file}\n`,
    );
    return 0;
  } finally {
    await database.stop();
  }
}

async function runRestore(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { force: { type: "boolean", default: false } },
    strict: true,
  });
  const [file] = positionals;
  if (!file || positionals.length > 1) {
    throw new GantryError(
      "bad_request",
      "restore needs one FILE, a backup made by `gantry backup`",
    );
  }
  const config = getConfig();
  if (config.databaseUrl) {
    throw new GantryError(
      "bad_request",
      "restore goes into the embedded Postgres; unset DATABASE_URL (with an external Postgres, restore its pg_dump with pg_restore)",
    );
  }
  const { restoreBackup } = await import("@/lib/runtime/restore-backup");
  const manifest = await restoreBackup({
    file,
    dataDir: config.dataDir,
    port: config.embeddedPostgresPort,
    force: values.force,
    onProgress: progress,
  });
  process.stdout.write(
    `restored the backup of ${manifest.createdAt} into ${config.dataDir}; start Gantry with npm start\n`,
  );
  return 0;
}

async function runAgent(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      portal: { type: "string" },
      cluster: { type: "string" },
      kubeconfig: { type: "string" },
      "path-prefix": { type: "string" },
    },
    strict: true,
  });
  const [
    { AGENT_VERSION, parseAgentOptions },
    { createPortalClient },
    { loadKubeConfig, startAgent },
  ] = await Promise.all([
    import("@/lib/k8s/agent-options"),
    import("@/lib/k8s/portal-client"),
    import("@/lib/k8s/run-agent"),
  ]);
  const options = parseAgentOptions({
    portal: values.portal,
    cluster: values.cluster,
    kubeconfig: values.kubeconfig,
    pathPrefix: values["path-prefix"],
    token: process.env.GANTRY_AGENT_TOKEN,
  });
  const agent = startAgent({
    kubeConfig: loadKubeConfig(options.kubeconfig),
    send: createPortalClient({ ...options, userAgent: AGENT_VERSION }),
    mode: options.kubeconfig ? "watcher" : "agent",
    version: AGENT_VERSION,
    mapping: { pathPrefix: options.pathPrefix },
  });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
    void agent.ready.then(() =>
      log.info("agent: reporting", { portal: options.portal, cluster: options.cluster }),
    );
  });
  log.info("agent: stopping; sending what is still waiting", { signal });
  const delivered = await agent.stop();
  if (!delivered) log.warn("agent: stopped with changes the portal has not received");
  return delivered ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "import":
      return runImport(rest);
    case "token":
      return runToken(rest);
    case "release":
      return runRelease({
        args: rest,
        env: process.env,
        out: (text) => process.stdout.write(text),
        progress,
      });
    case "rollback":
      return (await import("@/cli/rollback-command")).runRollback({
        args: rest,
        env: process.env,
        out: (text) => process.stdout.write(text),
        progress,
      });
    case "hold":
      return (await import("@/cli/rollback-command")).runHold({
        args: rest,
        env: process.env,
        out: (text) => process.stdout.write(text),
        progress,
      });
    case "backup":
      return runBackup(rest);
    case "restore":
      return runRestore(rest);
    case "user":
      return runUser(rest, progress);
    case "agent":
      return runAgent(rest);
    case "cluster":
      return runCluster(rest);
    case "audit":
      return runAudit(rest);
    case "layout":
      return (await import("@/cli/layout-command")).runLayout(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`gantry: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

dropOutputWhenReaderGoes();
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof ConfigError || isGantryError(error)) {
    process.stderr.write(`gantry: ${error.message}\n`);
  } else if (
    error instanceof TypeError &&
    "code" in error &&
    String(error.code).startsWith("ERR_PARSE_ARGS")
  ) {
    process.stderr.write(`gantry: ${error.message}\n\n${USAGE}`);
  } else {
    process.stderr.write(
      `gantry: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
  }
  process.exitCode = 1;
}
