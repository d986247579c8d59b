import { z } from "zod";
import type { GantryConfig } from "@/lib/config";
import { demoFeedEnabled } from "@/lib/demo/demo-feed";
import {
  type DemoApplication,
  type HistoryPromotion,
  planApplicationHistory,
} from "@/lib/demo/plan-demo-history";
import { Random } from "@/lib/demo/random";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { DEMO_HISTORY_REASON } from "@/lib/insights/demo-marker";
import { log, logUnexpected } from "@/lib/log";
import { promotionBranch } from "@/lib/promotion/branch-name";
import { createPromotion, transition } from "@/lib/promotion/transitions";

/**
 * Demo history for the embedded default: a few weeks of promotions of part
 * of the demo fleet, so /insights has something to measure on a fresh
 * laptop. Written through the promotion state machine (`transition()` with
 * the time each step happened), so every promotion has its events and its
 * audit events like any other; no pull requests are made (it is history).
 * Every row is marked (reason "Demo history", people "… (demo history)").
 *
 * Only when the database holds no promotions older than a day other than
 * demo history; applications that already have their history are skipped,
 * so a second start adds nothing and an interrupted one resumes.
 */

const DEMO_HISTORY_APPLICATIONS = 40;
const DEMO_HISTORY_WEEKS = 6;
const DEMO_HISTORY_SEED = 0x6869_7374; // "hist"
const DAY_MS = 86_400_000;
const ApprovalPolicy = z.object({ approvals: z.object({ required: z.number().int().min(1) }) });

export interface DemoHistoryResult {
  /** Why nothing was generated, when nothing was. */
  skipped: string | null;
  applications: number;
  promotions: number;
  milliseconds: number;
}

/** Promotion values file change, as a plan would show it. */
function diffOf(path: string, from: string, to: string): string {
  return `--- a/${path}\n+++ b/${path}\n@@ -1,2 +1,2 @@\n image:\n-  tag: ${from}\n+  tag: ${to}\n`;
}

async function writePromotions(
  db: PrismaClient,
  params: {
    applicationId: string;
    environments: ReadonlyMap<string, { id: string; valuesPath: string; commit: string }>;
    promotions: readonly HistoryPromotion[];
  },
): Promise<void> {
  const attempts = new Map<string, number>();
  for (const p of params.promotions) {
    const target = params.environments.get(p.environment);
    if (!target) continue;
    const attemptKey = `${p.environment}/${p.version}`;
    const attempt = (attempts.get(attemptKey) ?? 0) + 1;
    attempts.set(attemptKey, attempt);
    // One transaction per promotion, like a real one: the audit chain's lock is held briefly.
    await db.$transaction(
      async (tx) => {
        const created = await createPromotion({
          tx,
          actor: p.requester,
          detail: DEMO_HISTORY_REASON,
          at: p.createdAt,
          promotion: {
            applicationId: params.applicationId,
            toEnvironmentId: target.id,
            fromEnvironment: p.fromEnvironment,
            version: p.version,
            previousVersion: p.previousVersion,
            reason: DEMO_HISTORY_REASON,
            requestedByName: p.requester.name,
            requestedByEmail: p.requester.email,
            planDiff: diffOf(target.valuesPath, p.previousVersion, p.version),
            valuesPath: target.valuesPath,
            baseCommit: target.commit,
            branch: promotionBranch({
              application: p.application,
              environment: p.environment,
              version: p.version,
              attempt,
            }),
          },
        });
        for (const step of p.steps) {
          await transition({
            tx,
            promotionId: created.id,
            to: step.to,
            actor: step.actor,
            detail: step.detail,
            // The lead time the plan drew, recorded with the step that ends it.
            data:
              step.to === "deployed" && p.leadTimeSeconds !== null
                ? { ...step.data, leadTimeSeconds: p.leadTimeSeconds }
                : step.data,
            at: step.at,
          });
        }
      },
      { maxWait: 30_000, timeout: 60_000 },
    );
  }
}

/**
 * The applications deployed along the whole path (a target with a version in every
 * environment of `names`), and a seeded choice of `count` among them, with their targets.
 * Only the chosen ones' targets are read: every application's, held while the history was
 * written, was most of the server's heap at 50,000 applications.
 */
async function chooseApplications(db: PrismaClient, names: readonly string[], count: number) {
  if (names.length === 0) return [];
  const eligible = await db.application.findMany({
    where: {
      archivedAt: null,
      AND: names.map((name) => ({
        targets: {
          some: { archivedAt: null, desiredVersion: { not: null }, environment: { name } },
        },
      })),
    },
    orderBy: { slug: "asc" },
    select: { id: true },
  });
  const ids = new Random(DEMO_HISTORY_SEED)
    .shuffle(eligible)
    .slice(0, count)
    .map((app) => app.id);
  const chosen = await db.application.findMany({
    where: { id: { in: ids } },
    select: {
      id: true,
      slug: true,
      team: { select: { slug: true } },
      targets: {
        where: { archivedAt: null },
        select: {
          desiredVersion: true,
          valuesPath: true,
          desiredCommit: true,
          environment: { select: { id: true, name: true } },
        },
      },
    },
  });
  return chosen.sort((a, b) => a.slug.localeCompare(b.slug));
}

/**
 * Generates the demo history (see the module comment) up to `now`,
 * reporting progress. Safe to run again: it adds only what is missing.
 */
export async function generateDemoHistory(params: {
  db: PrismaClient;
  now?: Date;
  applications?: number;
  weeks?: number;
  onProgress?: (done: number, total: number, promotions: number) => void;
  /** Asked between applications; true stops the run (it resumes on the next start). */
  stopped?: () => boolean;
}): Promise<DemoHistoryResult> {
  const { db } = params;
  const started = performance.now();
  const now = params.now ?? new Date();
  const elapsed = () => Math.round(performance.now() - started);
  const dayAgo = new Date(now.getTime() - DAY_MS);
  const real = await db.promotion.count({
    where: { createdAt: { lt: dayAgo }, reason: { not: DEMO_HISTORY_REASON } },
  });
  if (real > 0) {
    return {
      skipped: "the database already has promotions older than a day",
      applications: 0,
      promotions: 0,
      milliseconds: elapsed(),
    };
  }
  const environments = await db.environment.findMany({
    where: { archivedAt: null },
    orderBy: { position: "asc" },
    select: { id: true, name: true, policy: true },
  });
  const names = environments.map((env) => env.name);
  // Environments whose policy asks for approvals (environments.yaml) wait for one.
  const approvalEnvironments = new Set(
    environments
      .filter((env) => ApprovalPolicy.safeParse(env.policy).success)
      .map((env) => env.name),
  );
  const chosen = await chooseApplications(
    db,
    names,
    params.applications ?? DEMO_HISTORY_APPLICATIONS,
  );
  const done = new Set(
    (
      await db.promotion.findMany({
        where: { reason: DEMO_HISTORY_REASON },
        distinct: ["applicationId"],
        select: { applicationId: true },
      })
    ).map((row) => row.applicationId),
  );
  const missing = chosen.filter((app) => !done.has(app.id));
  if (missing.length === 0) {
    return {
      skipped:
        chosen.length === 0
          ? "no application is deployed along the whole path"
          : "already generated",
      applications: 0,
      promotions: 0,
      milliseconds: elapsed(),
    };
  }
  const weeks = params.weeks ?? DEMO_HISTORY_WEEKS;
  const from = new Date(now.getTime() - weeks * 7 * DAY_MS);
  let promotions = 0;
  let applications = 0;
  for (const app of missing) {
    if (params.stopped?.()) break;
    const versions: Record<string, string | null> = {};
    const targets = new Map<string, { id: string; valuesPath: string; commit: string }>();
    for (const target of app.targets) {
      versions[target.environment.name] = target.desiredVersion;
      targets.set(target.environment.name, {
        id: target.environment.id,
        valuesPath: target.valuesPath,
        commit: target.desiredCommit,
      });
    }
    const planned = planApplicationHistory({
      application: { slug: app.slug, team: app.team.slug, versions } satisfies DemoApplication,
      environments: names,
      approvalEnvironments,
      from,
      until: now,
      seed: DEMO_HISTORY_SEED,
    });
    await writePromotions(db, {
      applicationId: app.id,
      environments: targets,
      promotions: planned,
    });
    promotions += planned.length;
    applications += 1;
    // Let the portal's own work (requests, the demo feed) go first between applications.
    await new Promise((resolve) => setImmediate(resolve));
    params.onProgress?.(applications, missing.length, promotions);
  }
  return { skipped: null, applications, promotions, milliseconds: elapsed() };
}

export interface RunningDemoHistory {
  /** Resolves when the run has finished (or stopped between applications). */
  finished: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts generating the demo history in the background, in the embedded
 * default only (the demo feed's gate: GANTRY_DEMO_FEED=auto, local Git, demo
 * seed, embedded Postgres). The portal does not wait for it.
 */
export function startDemoHistory(params: {
  config: Pick<GantryConfig, "databaseUrl" | "git" | "demo">;
  db: PrismaClient;
}): RunningDemoHistory {
  if (!demoFeedEnabled(params.config)) {
    return { finished: Promise.resolve(), stop: async () => {} };
  }
  let stopped = false;
  const finished = generateDemoHistory({
    db: params.db,
    stopped: () => stopped,
    onProgress: (done, total, promotions) => {
      if (done % 10 === 0 || done === total) {
        log.info("demo history: generating", { applications: `${done}/${total}`, promotions });
      }
    },
  })
    .then((result) => {
      if (result.skipped) log.info("demo history: nothing to add", { reason: result.skipped });
      else
        log.info("demo history generated", {
          applications: result.applications,
          promotions: result.promotions,
          seconds: Math.round(result.milliseconds / 100) / 10,
        });
    })
    .catch((error: unknown) => {
      logUnexpected(error, { during: "generating the demo history" });
    });
  return {
    finished,
    async stop() {
      stopped = true;
      await finished;
    },
  };
}
