/**
 * `npm run gantry -- user …`: people and their grants from the command line,
 * acting as Gantry itself (the system actor). Thin: parse, call lib/people,
 * print. `--json` prints one JSON object on stdout for scripts and test
 * fixtures; progress goes to stderr.
 */
import { parseArgs } from "node:util";
import { getConfig } from "@/lib/config";
import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { Role } from "@/lib/identity/principal";
import { createUser } from "@/lib/people/create-user";
import { disableUser, enableUser } from "@/lib/people/disable-user";
import { findUserByEmail, listUsers } from "@/lib/people/list-users";
import { oneTimePassword, resetPassword } from "@/lib/people/reset-password";
import { type Grants, updateUserGrants } from "@/lib/people/update-user-grants";
import { connectDatabase } from "@/lib/runtime/connect-database";

export const USER_USAGE = `  user create --email EMAIL --name NAME [--role ROLE]... [--team TEAM]... [--approver-env ENV]...
              [--break-glass] [--git-login LOGIN] [--password-stdin] [--json]
                       Create a local account; prints a one-time password (changed at first sign-in)
                       unless --password-stdin gives one (kept as given)
  user grant --email EMAIL [--role ROLE]... [--team TEAM]... [--approver-env ENV]...
             [--break-glass | --no-break-glass] [--git-login LOGIN] [--json]
                       Replace the grants named (roles, teams, approver environments, break-glass)
  user disable --email EMAIL | user enable --email EMAIL
                       Disable a person (their sessions end) or let them back
  user reset-password --email EMAIL [--json]
                       A new one-time password, printed once; their sessions end
  user list [--json]   Everyone, with roles, teams, source and last sign-in
`;

const GRANT_OPTIONS = {
  role: { type: "string", multiple: true },
  team: { type: "string", multiple: true },
  "approver-env": { type: "string", multiple: true },
  "break-glass": { type: "boolean" },
  "git-login": { type: "string" },
} as const;

type Progress = (message: string) => void;

function grantsFrom(values: {
  role?: string[];
  team?: string[];
  "approver-env"?: string[];
  "break-glass"?: boolean;
  "git-login"?: string;
}): Partial<Grants> {
  const grants: Partial<Grants> = {};
  // Roles are checked by the domain's schema; the cast only carries the strings there.
  if (values.role) grants.roles = values.role as Role[];
  if (values.team) grants.teams = values.team;
  if (values["approver-env"]) grants.approverEnvironments = values["approver-env"];
  if (values["break-glass"] !== undefined) grants.breakGlass = values["break-glass"];
  if (values["git-login"] !== undefined) grants.gitLogin = values["git-login"] || null;
  return grants;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

function print(json: boolean, value: Record<string, unknown>, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);
}

async function withDatabase<T>(
  progress: Progress,
  run: (db: PrismaClient) => Promise<T>,
): Promise<T> {
  const database = await connectDatabase(getConfig(), progress);
  const { createDbClient } = await import("@/lib/db");
  const db = createDbClient(database.url);
  try {
    return await run(db);
  } finally {
    await db.$disconnect();
    await database.stop();
  }
}

export async function runUser(args: string[], progress: Progress): Promise<number> {
  const [action, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      email: { type: "string" },
      name: { type: "string" },
      "password-stdin": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      ...GRANT_OPTIONS,
    },
    allowNegative: true,
    strict: true,
  });
  const json = values.json;
  const needEmail = (): string => {
    if (!values.email) throw new GantryError("bad_request", `user ${action} needs --email`);
    return values.email;
  };
  switch (action) {
    case "create": {
      const email = needEmail();
      if (!values.name) throw new GantryError("bad_request", "user create needs --name");
      const name = values.name;
      const given = values["password-stdin"] ? await readStdin() : undefined;
      const grants = grantsFrom(values);
      return withDatabase(progress, async (db) => {
        const password = given ?? oneTimePassword();
        const created = await createUser({
          db,
          acting: "system",
          email,
          name,
          roles: grants.roles ?? ["viewer"],
          teams: grants.teams ?? [],
          approverEnvironments: grants.approverEnvironments ?? [],
          breakGlass: grants.breakGlass ?? false,
          gitLogin: grants.gitLogin ?? null,
          password,
          // A password the caller chose is theirs to keep; a generated one is one-time.
          mustChangePassword: given === undefined,
        });
        const shown = given === undefined ? password : undefined;
        if (!json) {
          progress(
            shown
              ? `created ${created.email} (id ${created.id}); their one-time password, shown only this once:`
              : `created ${created.email} (id ${created.id})`,
          );
        }
        print(
          json,
          { id: created.id, email: created.email, ...(shown ? { password: shown } : {}) },
          shown ?? created.id,
        );
        return 0;
      });
    }
    case "grant":
      return withDatabase(progress, async (db) => {
        const user = await findUserByEmail({ db, email: needEmail() });
        const grants = await updateUserGrants({
          db,
          acting: "system",
          userId: user.id,
          grants: grantsFrom(values),
        });
        print(
          json,
          { id: user.id, email: user.email, ...grants },
          `${user.email}: roles ${grants.roles.join(", ")}; teams ${grants.teams.join(", ") || "none"}; approves for ${grants.approverEnvironments.join(", ") || "none"}; break-glass ${grants.breakGlass ? "yes" : "no"}`,
        );
        return 0;
      });
    case "disable":
    case "enable":
      return withDatabase(progress, async (db) => {
        const user = await findUserByEmail({ db, email: needEmail() });
        if (action === "disable") await disableUser({ db, acting: "system", userId: user.id });
        else await enableUser({ db, acting: "system", userId: user.id });
        print(
          json,
          { id: user.id, email: user.email, disabled: action === "disable" },
          `${action}d ${user.email}`,
        );
        return 0;
      });
    case "reset-password":
      return withDatabase(progress, async (db) => {
        const user = await findUserByEmail({ db, email: needEmail() });
        const { password } = await resetPassword({ db, acting: "system", userId: user.id });
        if (!json) progress(`new one-time password of ${user.email}, shown only this once:`);
        print(json, { id: user.id, email: user.email, password }, password);
        return 0;
      });
    case "list":
      return withDatabase(progress, async (db) => {
        const users = await listUsers({ db, acting: "system" });
        if (json) {
          process.stdout.write(`${JSON.stringify({ users })}\n`);
          return 0;
        }
        for (const user of users) {
          process.stdout.write(
            `${user.email}\t${user.roles.join(",")}\t${user.teams.join(",") || "-"}\t${user.source}\t${user.disabledAt ? "disabled" : "active"}\t${user.lastSignInAt?.toISOString() ?? "never signed in"}\n`,
          );
        }
        return 0;
      });
    default:
      throw new GantryError(
        "bad_request",
        `user needs create, grant, disable, enable, reset-password or list\n\n${USER_USAGE}`,
      );
  }
}
