import { GantryError, isGantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { CommitSummary, GitReader } from "@/lib/git/provider";
import { logUnexpected } from "@/lib/log";
import { type ApplicationProblem, listApplicationProblems } from "./list-application-problems";
import { safeLinks } from "./safe-link";

interface ApplicationTargetView {
  environment: { name: string; displayName: string; position: number };
  desiredVersion: string | null;
  valuesPath: string;
  desiredCommit: string;
  fileUrl: string | null;
}

export interface ApplicationView {
  slug: string;
  name: string;
  description: string;
  team: { slug: string; name: string };
  tier: string;
  chart: string;
  links: { title: string; url: string; safe: boolean }[];
  labels: { key: string; value: string }[];
  archivedAt: Date | null;
  lastCommit: string;
  updatedAt: Date;
  targets: ApplicationTargetView[];
  /** Environments of the fleet the app has no values file for. */
  missingEnvironments: { name: string; displayName: string }[];
  releases: { version: string; source: string; firstSeenAt: Date }[];
  problems: ApplicationProblem[];
  /** Commits touching the app's directory; an error (as data) when Git could not be read. */
  commits: { ok: true; items: CommitSummary[] } | { ok: false; error: string };
}

/** Everything the application page shows. Throws not_found for an unknown slug. */
export async function getApplication(params: {
  db: PrismaClient;
  git: GitReader;
  slug: string;
}): Promise<ApplicationView> {
  const { db, git, slug } = params;
  const app = await db.application.findUnique({
    where: { slug },
    include: {
      team: { select: { slug: true, name: true } },
      labels: { select: { key: true, value: true }, orderBy: { key: "asc" } },
      targets: {
        where: { archivedAt: null },
        include: { environment: { select: { name: true, displayName: true, position: true } } },
        orderBy: { environment: { position: "asc" } },
      },
      releases: { orderBy: { firstSeenAt: "desc" }, take: 20 },
    },
  });
  if (!app) throw new GantryError("not_found", `No application named "${slug}" in the catalogue`);

  const [environments, problems] = await Promise.all([
    db.environment.findMany({
      where: { archivedAt: null },
      orderBy: { position: "asc" },
      select: { name: true, displayName: true },
    }),
    listApplicationProblems({ db, slug }),
  ]);
  const deployed = new Set(app.targets.map((t) => t.environment.name));

  return {
    slug: app.slug,
    name: app.name,
    description: app.description,
    team: app.team,
    tier: app.tier,
    chart: app.chart,
    links: safeLinks(app.links),
    labels: app.labels,
    archivedAt: app.archivedAt,
    lastCommit: app.lastCommit,
    updatedAt: app.updatedAt,
    targets: app.targets.map((t) => ({
      environment: t.environment,
      desiredVersion: t.desiredVersion,
      valuesPath: t.valuesPath,
      desiredCommit: t.desiredCommit,
      fileUrl: git.fileUrl({ ref: t.desiredCommit, path: t.valuesPath }),
    })),
    missingEnvironments: environments.filter((e) => !deployed.has(e.name)),
    releases: app.releases.map((r) => ({
      version: r.version,
      source: r.source,
      firstSeenAt: r.firstSeenAt,
    })),
    problems,
    commits: await recentCommits(git, slug),
  };
}

async function recentCommits(git: GitReader, slug: string): Promise<ApplicationView["commits"]> {
  try {
    const items = await git.listCommits({
      ref: git.defaultBranch,
      path: `apps/${slug}`,
      limit: 15,
    });
    return { ok: true, items };
  } catch (error) {
    // One unreadable repository must not blank the page: the rest of it is still true.
    if (isGantryError(error)) return { ok: false, error: error.message };
    const errorId = logUnexpected(error, { during: "listing commits", slug });
    return { ok: false, error: `Could not read the commit history (error id ${errorId})` };
  }
}
