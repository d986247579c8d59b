import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import type { Prisma } from "@/lib/generated/prisma/client";
import { DEFAULT_POLICY } from "@/lib/gitops-repo/policy/types";
import { GANTRY_ACTOR } from "@/lib/identity/actor";
import { policyAsJson, readPolicy, samePolicy } from "@/lib/policy/read-policy";
import type { RepoSnapshot, SnapshotApplication } from "./snapshot";

/** What a write of some applications changed. */
interface ApplicationCounts {
  created: number;
  updated: number;
}

/**
 * Writes applications (their team, labels, targets and releases) into the
 * catalogue inside the caller's transaction: the import writes a slice of
 * applications at a time, so no statement carries the whole fleet. Bulk
 * statements (unnest) keep a slice to a handful of round trips, and rows are
 * only touched when a value differs, so writing the same applications twice
 * changes nothing.
 */
export async function writeApplications(
  tx: Prisma.TransactionClient,
  params: {
    commit: string;
    applications: readonly SnapshotApplication[];
    environmentIds: ReadonlyMap<string, string>;
  },
): Promise<ApplicationCounts> {
  const { commit, applications, environmentIds } = params;
  if (applications.length === 0) return { created: 0, updated: 0 };
  const teamIds = await writeTeams(tx, applications);
  const { appIds, created, updated } = await upsertApplications(tx, commit, applications, teamIds);
  await writeLabels(tx, applications, appIds);
  await writeTargets(tx, commit, applications, appIds, environmentIds);
  await writeReleases(tx, commit, applications, appIds);
  return { created, updated };
}

/** Policy is reviewed in Git; the audit keeps what it was and what it became, at which commit. */
export async function recordPolicyChanges(
  tx: Prisma.TransactionClient,
  commit: string,
  changes: readonly PolicyChange[],
): Promise<void> {
  for (const change of changes) {
    await recordAuditEvent(tx, {
      actor: GANTRY_ACTOR,
      action: "policy.changed",
      target: { type: "policy", id: change.id, environment: change.environment },
      detail: { commit, before: change.before, after: change.after },
    });
  }
}

/** The ids of environments that are there already (an import whose environments did not change). */
export async function environmentIdsOf(
  tx: Prisma.TransactionClient,
  names: readonly string[],
): Promise<Map<string, string>> {
  const rows = await tx.environment.findMany({
    where: { name: { in: [...names] } },
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

/** Environments and clusters as Git lists them; the policy changes are for recordPolicyChanges. */
export async function writeEnvironments(
  tx: Prisma.TransactionClient,
  environments: RepoSnapshot["environments"],
): Promise<{ ids: Map<string, string>; policyChanges: PolicyChange[] }> {
  const ids = new Map<string, string>();
  const storedPolicies = new Map(
    (
      await tx.environment.findMany({
        where: { name: { in: environments.map((e) => e.name) } },
        select: { name: true, policy: true },
      })
    ).map((row) => [row.name, readPolicy(row.policy, { environment: row.name })]),
  );
  const policyChanges: PolicyChange[] = [];
  for (const environment of environments) {
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
  const clusterNames = environments.flatMap((e) => e.clusters.map((c) => c.name));
  await tx.cluster.updateMany({
    // Clusters an admin registered on /clusters are not Git's to archive.
    where: { name: { notIn: clusterNames }, archivedAt: null, registeredInPortal: false },
    data: { archivedAt: now },
  });
  return { ids, policyChanges };
}

async function writeTeams(
  tx: Prisma.TransactionClient,
  applications: readonly SnapshotApplication[],
): Promise<Map<string, string>> {
  const slugs = [...new Set(applications.map((a) => a.team))];
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

async function upsertApplications(
  tx: Prisma.TransactionClient,
  commit: string,
  apps: readonly SnapshotApplication[],
  teamIds: Map<string, string>,
): Promise<{ appIds: Map<string, string>; created: number; updated: number }> {
  const changed = await tx.$queryRaw<{ slug: string; inserted: boolean }[]>`
    INSERT INTO "Application"
      ("slug", "name", "description", "teamId", "tier", "chart", "links", "versionsDiffer", "lastCommit", "updatedAt")
    SELECT s.slug, s.name, s.description, s.team_id::uuid, s.tier::"Tier", s.chart, s.links::jsonb, s.differ, ${commit}, now()
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
  applications: readonly SnapshotApplication[],
  appIds: Map<string, string>,
): Promise<void> {
  const ids: string[] = [];
  const keys: string[] = [];
  const values: string[] = [];
  for (const app of applications) {
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
  commit: string,
  applications: readonly SnapshotApplication[],
  appIds: Map<string, string>,
  environmentIds: ReadonlyMap<string, string>,
): Promise<void> {
  const appColumn: string[] = [];
  const envColumn: string[] = [];
  const versionColumn: (string | null)[] = [];
  const pathColumn: string[] = [];
  const locatorColumn: string[] = [];
  const overrideColumn: (string | null)[] = [];
  // Pairs that exist in Git, including unreadable ones, which keep their stored state.
  const seenApps: string[] = [];
  const seenEnvs: string[] = [];
  for (const app of applications) {
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
      overrideColumn.push(target.override === undefined ? null : JSON.stringify(target.override));
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
      ("applicationId", "environmentId", "desiredVersion", "valuesPath", "locators", "override", "desiredCommit", "updatedAt")
    SELECT s.app, s.env, s.version, s.path, s.locators::jsonb, s.override::jsonb, ${commit}, now()
    FROM unnest(${appColumn}::uuid[], ${envColumn}::uuid[], ${versionColumn}::text[], ${pathColumn}::text[], ${locatorColumn}::text[], ${overrideColumn}::text[])
      AS s(app, env, version, path, locators, override)
    ON CONFLICT ("applicationId", "environmentId") DO UPDATE SET
      "desiredVersion" = EXCLUDED."desiredVersion",
      "valuesPath" = EXCLUDED."valuesPath",
      "locators" = EXCLUDED."locators",
      "override" = EXCLUDED."override",
      "desiredCommit" = EXCLUDED."desiredCommit",
      "archivedAt" = NULL,
      "updatedAt" = now()
    WHERE ("DeploymentTarget"."desiredVersion", "DeploymentTarget"."valuesPath", "DeploymentTarget"."locators", "DeploymentTarget"."override", "DeploymentTarget"."archivedAt")
      IS DISTINCT FROM (EXCLUDED."desiredVersion", EXCLUDED."valuesPath", EXCLUDED."locators", EXCLUDED."override", NULL::timestamp)`;
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
  commit: string,
  applications: readonly SnapshotApplication[],
  appIds: Map<string, string>,
): Promise<void> {
  const appColumn: string[] = [];
  const versionColumn: string[] = [];
  for (const app of applications) {
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
    SELECT s.app, s.version, 'git'::"ReleaseSource", ${commit}
    FROM unnest(${appColumn}::uuid[], ${versionColumn}::text[]) AS s(app, version)
    ON CONFLICT ("applicationId", "version") DO NOTHING`;
}

/** Every application not in Git any more (a full import). */
export async function archiveMissingApplications(
  tx: Prisma.TransactionClient,
  slugsInGit: readonly string[],
): Promise<number> {
  return tx.$executeRaw`
    UPDATE "Application" SET "archivedAt" = now(), "updatedAt" = now()
    WHERE "archivedAt" IS NULL AND NOT ("slug" = ANY(${[...slugsInGit]}::text[]))`;
}

/** The applications whose directory left Git (an incremental import). */
export async function archiveApplications(
  tx: Prisma.TransactionClient,
  slugs: string[],
): Promise<number> {
  if (slugs.length === 0) return 0;
  return tx.$executeRaw`
    UPDATE "Application" SET "archivedAt" = now(), "updatedAt" = now()
    WHERE "archivedAt" IS NULL AND "slug" = ANY(${slugs}::text[])`;
}
