import type { PrismaClient } from "@/lib/generated/prisma/client";

/**
 * The catalogue as people and promotions see it, in a stable order: what a
 * full and an incremental import must agree on. The commits rows were
 * written at are left out, because they say when a row last changed, which
 * depends on the history of imports and not only on the repository.
 */
export async function dumpCatalogue(db: PrismaClient) {
  const applications = await db.application.findMany({
    orderBy: { slug: "asc" },
    include: { team: { select: { slug: true } }, labels: { orderBy: { key: "asc" } } },
  });
  const targets = await db.deploymentTarget.findMany({
    include: { application: { select: { slug: true } }, environment: { select: { name: true } } },
  });
  const environments = await db.environment.findMany({
    orderBy: { name: "asc" },
    include: { clusters: { orderBy: { name: "asc" } } },
  });
  const releases = await db.release.findMany({
    include: { application: { select: { slug: true } } },
  });
  const latest = await db.catalogImport.findFirst({
    where: { status: "succeeded" },
    orderBy: { finishedAt: "desc" },
    include: { problems: true },
  });
  return {
    applications: applications.map((app) => ({
      slug: app.slug,
      name: app.name,
      description: app.description,
      team: app.team.slug,
      tier: app.tier,
      chart: app.chart,
      links: app.links,
      versionsDiffer: app.versionsDiffer,
      archived: app.archivedAt !== null,
      labels: app.labels.map((label) => `${label.key}=${label.value}`),
    })),
    targets: targets
      .map((target) => ({
        cell: `${target.application.slug}/${target.environment.name}`,
        version: target.desiredVersion,
        valuesPath: target.valuesPath,
        locators: target.locators,
        archived: target.archivedAt !== null,
      }))
      .sort((a, b) => a.cell.localeCompare(b.cell)),
    environments: environments.map((environment) => ({
      name: environment.name,
      displayName: environment.displayName,
      description: environment.description,
      position: environment.position,
      policy: environment.policy,
      archived: environment.archivedAt !== null,
      clusters: environment.clusters.map((cluster) => ({
        name: cluster.name,
        region: cluster.region,
        provider: cluster.provider,
        archived: cluster.archivedAt !== null,
      })),
    })),
    releases: releases.map((release) => `${release.application.slug}@${release.version}`).sort(),
    commit: latest?.commit ?? null,
    appsSeen: latest?.appsSeen ?? null,
    problems: (latest?.problems ?? [])
      .map(
        (problem) =>
          `${problem.applicationSlug ?? "-"} ${problem.file}:${problem.line ?? "-"}:${problem.column ?? "-"} ${problem.message}`,
      )
      .sort(),
  };
}
