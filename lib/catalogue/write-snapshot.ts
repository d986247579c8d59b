import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import type { Prisma } from "@/lib/generated/prisma/client";
import { DEFAULT_POLICY } from "@/lib/gitops-repo/policy/types";
import { GANTRY_ACTOR } from "@/lib/identity/actor";
import { policyAsJson, readPolicy, samePolicy } from "@/lib/policy/read-policy";
import type { RepoSnapshot } from "./snapshot";
import type { CatalogueChanges } from "./written-catalogue";

export interface WriteCounts {
  appsSeen: number;
  appsCreated: number;
  appsUpdated: number;
  appsArchived: number;
}

/**
 * Writes a snapshot of the GitOps repository into the catalogue, inside the
 * caller's transaction. Bulk statements (unnest) keep an import of 10,000
 * apps to a handful of round trips. Running it twice on the same snapshot
 * changes nothing: rows are only touched when a value differs.
 *
 * With `changes` (what differs from the catalogue the previous import
 * wrote), only those applications, archivals and environments are written:
 * after a merge that is one application, not the whole fleet.
 */
export async function writeSnapshot(
  tx: Prisma.TransactionClient,
  snapshot: RepoSnapshot,
  changes?: CatalogueChanges,
): Promise<WriteCounts> {
  const { ids: environmentIds, policyChanges } =
    !changes || changes.environments
      ? await writeEnvironments(tx, snapshot)
      : { ids: await environmentIdsOf(tx, snapshot), policyChanges: [] };
  const written = changes ? { ...snapshot, applications: changes.applications } : snapshot;
  const teamIds = await writeTeams(tx, written);
  const { appIds, created, updated } = await writeApplications(tx, written, teamIds);
  await writeLabels(tx, written, appIds);
  await writeTargets(tx, written, appIds, environmentIds);
  await writeReleases(tx, written, appIds);
  const archived = changes
    ? await archiveApplications(tx, changes.archive)
    : await archiveMissingApplications(tx, snapshot);
  // Last, to hold the audit chain's lock briefly. Policy is reviewed in Git; the
  // audit keeps what it was and what it became, at which commit.
  for (const change of policyChanges) {
    await recordAuditEvent(tx, {
      actor: GANTRY_ACTOR,
      action: "policy.changed",
      target: { type: "policy", id: change.id, environment: change.environment },
      detail: { commit: snapshot.commit, before: change.before, after: change.after },
    });
  }
  return {
    appsSeen: snapshot.applications.length,
    appsCreated: created,
    appsUpdated: updated,
    appsArchived: archived,
  };
}

async function environmentIdsOf(
  tx: Prisma.TransactionClient,
  snapshot: RepoSnapshot,
): Promise<Map<string, string>> {
  const rows = await tx.environment.findMany({
    where: { name: { in: snapshot.environments.map((e) => e.name) } },
    select: { id: true, name: true },
  });
  return new Map(rows.map((row) => [row.name, row.id]));
}

interface PolicyChange {
  id: string;
  environment: string;
  before: unknown;
  after: unknown;
}

async function writeEnvironments(
  tx: Prisma.TransactionClient,
  snapshot: RepoSnapshot,
): Promise<{ ids: Map<string, string>; policyChanges: PolicyChange[] }> {
  const ids = new Map<string, string>();
  const storedPolicies = new Map(
    (
      await tx.environment.findMany({
        where: { name: { in: snapshot.environments.map((e) => e.name) } },
        select: { name: true, policy: true },
      })
    ).map((row) => [row.name, readPolicy(row.policy, { environment: row.name })]),
  );
  const policyChanges: PolicyChange[] = [];
  for (const environment of snapshot.environments) {
    const policy = policyAsJson(environment.policy);
    const row = await tx.environment.upsert({
      where: { name: environment.name },
      create: {
        name: environment.name,
        displayName: environment.displayName,
        description: environment.description,
        position: environment.position,
        policy,
      },
      update: {
        displayName: environment.displayName,
        description: environment.description,
        position: environment.position,
        policy,
        archivedAt: null,
      },
      select: { id: true },
    });
    ids.set(environment.name, row.id);
    const before = storedPolicies.get(environment.name);
    if (!samePolicy(before ?? DEFAULT_POLICY, environment.policy)) {
      policyChanges.push({
        id: row.id,
        environment: environment.name,
        before: before ? policyAsJson(before) : null,
        after: policy,
      });
    }
    for (const cluster of environment.clusters) {
      await tx.cluster.upsert({
        where: { name: cluster.name },
        create: {
          name: cluster.name,
          environmentId: row.id,
          region: cluster.region,
          provider: cluster.provider,
        },
        update: {
          environmentId: row.id,
          region: cluster.region,
          provider: cluster.provider,
          archivedAt: null,
          registeredInPortal: false,
        },
      });
    }
  }
  const now = new Date();
  await tx.environment.updateMany({
    where: { name: { notIn: [...ids.keys()] }, archivedAt: null },
    data: { archivedAt: now },
  });
  const clusterNames = snapshot.environments.flatMap((e) => e.clusters.map((c) => c.name));
  await tx.cluster.updateMany({
    // Clusters an admin registered on /clusters are not Git's to archive.
    where: { name: { notIn: clusterNames }, archivedAt: null, registeredInPortal: false },
    data: { archivedAt: now },
  });
  return { ids, policyChanges };
}

async function writeTeams(
  tx: Prisma.TransactionClient,
  snapshot: RepoSnapshot,
): Promise<Map<string, string>> {
  const slugs = [...new Set(snapshot.applications.map((a) => a.team))];
  await tx.team.createMany({
    data: slugs.map((slug) => ({ slug, name: teamDisplayName(slug) })),
    skipDuplicates: true,
  });
  const rows = await tx.team.findMany({
    where: { slug: { in: slugs } },
    select: { id: true, slug: true },
  });
  return new Map(rows.map((row) => [row.slug, row.id]));
}

/** "payments-core" → "Payments Core": teams have no file of their own in the repo convention. */
function teamDisplayName(slug: string): string {
  return slug
    .split(/[-_]/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join(" ");
}

function versionsDiffer(versions: readonly (string | null)[]): boolean {
  return new Set(versions.filter((v) => v !== null)).size > 1;
}

async function writeApplications(
  tx: Prisma.TransactionClient,
  snapshot: RepoSnapshot,
  teamIds: Map<string, string>,
): Promise<{ appIds: Map<string, string>; created: number; updated: number }> {
  const apps = snapshot.applications;
  const changed = await tx.$queryRaw<{ slug: string; inserted: boolean }[]>`
    INSERT INTO "Application"
      ("slug", "name", "description", "teamId", "tier", "chart", "links", "versionsDiffer", "lastCommit", "updatedAt")
    SELECT s.slug, s.name, s.description, s.team_id::uuid, s.tier::"Tier", s.chart, s.links::jsonb, s.differ, ${snapshot.commit}, now()
    FROM unnest(
      ${apps.map((a) => a.slug)}::text[],
      ${apps.map((a) => a.name)}::text[],
      ${apps.map((a) => a.description)}::text[],
      ${apps.map((a) => teamIds.get(a.team) ?? "")}::text[],
      ${apps.map((a) => a.tier)}::text[],
      ${apps.map((a) => a.chart)}::text[],
      ${apps.map((a) => JSON.stringify(a.links))}::text[],
      ${apps.map((a) => versionsDiffer(a.targets.map((t) => t.version)))}::boolean[]
    ) AS s(slug, name, description, team_id, tier, chart, links, differ)
    ON CONFLICT ("slug") DO UPDATE SET
      "name" = EXCLUDED."name",
      "description" = EXCLUDED."description",
      "teamId" = EXCLUDED."teamId",
      "tier" = EXCLUDED."tier",
      "chart" = EXCLUDED."chart",
      "links" = EXCLUDED."links",
      "versionsDiffer" = EXCLUDED."versionsDiffer",
      "lastCommit" = EXCLUDED."lastCommit",
      "archivedAt" = NULL,
      "updatedAt" = now()
    WHERE ("Application"."name", "Application"."description", "Application"."teamId", "Application"."tier",
           "Application"."chart", "Application"."links", "Application"."versionsDiffer", "Application"."archivedAt")
      IS DISTINCT FROM
          (EXCLUDED."name", EXCLUDED."description", EXCLUDED."teamId", EXCLUDED."tier",
           EXCLUDED."chart", EXCLUDED."links", EXCLUDED."versionsDiffer", NULL::timestamp)
    RETURNING "slug", (xmax = 0) AS inserted`;
  // Arrays as one parameter: an IN list of 10,000 values would be 10,000 bind parameters.
  const rows = await tx.$queryRaw<{ id: string; slug: string }[]>`
    SELECT "id", "slug" FROM "Application" WHERE "slug" = ANY(${apps.map((a) => a.slug)}::text[])`;
  const created = changed.filter((row) => row.inserted).length;
  return {
    appIds: new Map(rows.map((row) => [row.slug, row.id])),
    created,
    updated: changed.length - created,
  };
}

async function writeLabels(
  tx: Prisma.TransactionClient,
  snapshot: RepoSnapshot,
  appIds: Map<string, string>,
): Promise<void> {
  const ids: string[] = [];
  const keys: string[] = [];
  const values: string[] = [];
  for (const app of snapshot.applications) {
    const id = appIds.get(app.slug);
    if (!id) continue;
    for (const [key, value] of Object.entries(app.labels)) {
      ids.push(id);
      keys.push(key);
      values.push(value);
    }
  }
  // Only rows that differ are touched, so a re-import of an unchanged repo writes nothing.
  await tx.$executeRaw`
    DELETE FROM "ApplicationLabel" l
    WHERE l."applicationId" = ANY(${[...appIds.values()]}::uuid[])
      AND NOT EXISTS (
        SELECT 1 FROM unnest(${ids}::uuid[], ${keys}::text[], ${values}::text[]) AS s(id, key, value)
        WHERE s.id = l."applicationId" AND s.key = l."key" AND s.value = l."value"
      )`;
  await tx.$executeRaw`
    INSERT INTO "ApplicationLabel" ("applicationId", "key", "value")
    SELECT * FROM unnest(${ids}::uuid[], ${keys}::text[], ${values}::text[])
    ON CONFLICT ("applicationId", "key") DO UPDATE SET "value" = EXCLUDED."value"
    WHERE "ApplicationLabel"."value" IS DISTINCT FROM EXCLUDED."value"`;
}

async function writeTargets(
  tx: Prisma.TransactionClient,
  snapshot: RepoSnapshot,
  appIds: Map<string, string>,
  environmentIds: Map<string, string>,
): Promise<void> {
  const appColumn: string[] = [];
  const envColumn: string[] = [];
  const versionColumn: (string | null)[] = [];
  const pathColumn: string[] = [];
  const locatorColumn: string[] = [];
  // Pairs that exist in Git, including unreadable ones, which keep their stored state.
  const seenApps: string[] = [];
  const seenEnvs: string[] = [];
  for (const app of snapshot.applications) {
    const appId = appIds.get(app.slug);
    if (!appId) continue;
    for (const target of app.targets) {
      const envId = environmentIds.get(target.environment);
      if (!envId) continue;
      appColumn.push(appId);
      envColumn.push(envId);
      versionColumn.push(target.version);
      pathColumn.push(target.valuesPath);
      locatorColumn.push(JSON.stringify(target.locators));
      seenApps.push(appId);
      seenEnvs.push(envId);
    }
    for (const environment of app.unreadableEnvironments) {
      const envId = environmentIds.get(environment);
      if (!envId) continue;
      seenApps.push(appId);
      seenEnvs.push(envId);
    }
  }
  await tx.$executeRaw`
    INSERT INTO "DeploymentTarget"
      ("applicationId", "environmentId", "desiredVersion", "valuesPath", "locators", "desiredCommit", "updatedAt")
    SELECT s.app, s.env, s.version, s.path, s.locators::jsonb, ${snapshot.commit}, now()
    FROM unnest(${appColumn}::uuid[], ${envColumn}::uuid[], ${versionColumn}::text[], ${pathColumn}::text[], ${locatorColumn}::text[])
      AS s(app, env, version, path, locators)
    ON CONFLICT ("applicationId", "environmentId") DO UPDATE SET
      "desiredVersion" = EXCLUDED."desiredVersion",
      "valuesPath" = EXCLUDED."valuesPath",
      "locators" = EXCLUDED."locators",
      "desiredCommit" = EXCLUDED."desiredCommit",
      "archivedAt" = NULL,
      "updatedAt" = now()
    WHERE ("DeploymentTarget"."desiredVersion", "DeploymentTarget"."valuesPath", "DeploymentTarget"."locators", "DeploymentTarget"."archivedAt")
      IS DISTINCT FROM (EXCLUDED."desiredVersion", EXCLUDED."valuesPath", EXCLUDED."locators", NULL::timestamp)`;
  // An environment removed from an app's directory: the target is archived, never deleted.
  await tx.$executeRaw`
    UPDATE "DeploymentTarget" t SET "archivedAt" = now(), "updatedAt" = now()
    WHERE t."archivedAt" IS NULL
      AND t."applicationId" = ANY(${[...appIds.values()]}::uuid[])
      AND NOT EXISTS (
        SELECT 1 FROM unnest(${seenApps}::uuid[], ${seenEnvs}::uuid[]) AS s(app, env)
        WHERE s.app = t."applicationId" AND s.env = t."environmentId"
      )`;
}

async function writeReleases(
  tx: Prisma.TransactionClient,
  snapshot: RepoSnapshot,
  appIds: Map<string, string>,
): Promise<void> {
  const appColumn: string[] = [];
  const versionColumn: string[] = [];
  for (const app of snapshot.applications) {
    const appId = appIds.get(app.slug);
    if (!appId) continue;
    for (const version of new Set(app.targets.map((t) => t.version))) {
      if (version === null) continue;
      appColumn.push(appId);
      versionColumn.push(version);
    }
  }
  await tx.$executeRaw`
    INSERT INTO "Release" ("applicationId", "version", "source", "commit")
    SELECT s.app, s.version, 'git'::"ReleaseSource", ${snapshot.commit}
    FROM unnest(${appColumn}::uuid[], ${versionColumn}::text[]) AS s(app, version)
    ON CONFLICT ("applicationId", "version") DO NOTHING`;
}

async function archiveMissingApplications(
  tx: Prisma.TransactionClient,
  snapshot: RepoSnapshot,
): Promise<number> {
  return tx.$executeRaw`
    UPDATE "Application" SET "archivedAt" = now(), "updatedAt" = now()
    WHERE "archivedAt" IS NULL AND NOT ("slug" = ANY(${snapshot.slugsInGit}::text[]))`;
}

async function archiveApplications(tx: Prisma.TransactionClient, slugs: string[]): Promise<number> {
  if (slugs.length === 0) return 0;
  return tx.$executeRaw`
    UPDATE "Application" SET "archivedAt" = now(), "updatedAt" = now()
    WHERE "archivedAt" IS NULL AND "slug" = ANY(${slugs}::text[])`;
}
