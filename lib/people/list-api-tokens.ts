import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { ApiScope } from "@/lib/identity/api-token";
import { isApiScope } from "@/lib/identity/api-token";
import { assertCan } from "@/lib/identity/permissions";
import type { Principal } from "@/lib/identity/principal";
import type { ApiTokenKind } from "@/lib/people/create-api-token";
import { type Acting, authorize } from "@/lib/people/update-user-grants";

/** A token as lists show it: everything but the secret (only its hash is stored). */
export interface ApiTokenSummary {
  id: string;
  name: string;
  kind: ApiTokenKind;
  scopes: ApiScope[];
  /** The teams it may register releases for (with releases:write). */
  teams: string[];
  createdAt: Date;
  /** Who made it: a person's name, or Gantry for the command line. */
  createdBy: string;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/**
 * `personal`: the acting person's own tokens (token:manage_own).
 * `ci`: every CI token (token:manage_ci). Newest first.
 */
export async function listApiTokens(params: {
  db: PrismaClient;
  acting: Acting;
  kind: ApiTokenKind;
}): Promise<ApiTokenSummary[]> {
  let ownerId: string | null = null;
  if (params.kind === "personal") {
    const person: Principal | null = params.acting === "system" ? null : params.acting;
    assertCan(person, "token:manage_own");
    if (person.kind !== "person") return [];
    ownerId = person.id;
  } else {
    authorize(params.acting, "token:manage_ci");
  }
  const rows = await params.db.apiToken.findMany({
    where: params.kind === "personal" ? { kind: "personal", ownerId } : { kind: "ci" },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    take: 500,
    select: {
      id: true,
      name: true,
      scopes: true,
      teams: true,
      createdAt: true,
      createdById: true,
      expiresAt: true,
      lastUsedAt: true,
      revokedAt: true,
    },
  });
  const creatorIds = [
    ...new Set(rows.flatMap((row) => (row.createdById ? [row.createdById] : []))),
  ];
  const creators = new Map(
    (
      await params.db.user.findMany({
        where: { id: { in: creatorIds } },
        select: { id: true, name: true },
      })
    ).map((user) => [user.id, user.name]),
  );
  return rows.map(({ createdById, ...row }) => ({
    ...row,
    kind: params.kind,
    scopes: row.scopes.filter(isApiScope),
    createdBy: createdById ? (creators.get(createdById) ?? "a removed person") : "Gantry",
  }));
}
