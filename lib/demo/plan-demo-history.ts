import { Random } from "@/lib/demo/random";
import type { PromotionState } from "@/lib/generated/prisma/enums";
import type { Actor } from "@/lib/identity/actor";
import { DEMO_HISTORY_NAME_SUFFIX } from "@/lib/insights/demo-marker";
import type { TransitionData } from "@/lib/promotion/transitions";

/**
 * The plan of the demo history: what each demo application's promotions
 * did over the last weeks, as pure data (seeded, so the same catalogue
 * always gets the same history). `generateDemoHistory` writes it through
 * the promotion state machine.
 *
 * Releases flow through the environments in order; environments at the
 * end of the path (staging, prod) wait for an approval. Teams differ (a
 * fast, a steady and a slow profile) so the breakdown says something. A
 * release sometimes fails: its pull request job fails (the promotion is
 * closed and asked for again later), or it deploys and is rolled back by a
 * promotion of the previous version; either way the release goes no
 * further. The newest release never fails, so every application ends at
 * the version the catalogue shows for its last environment.
 */

export interface DemoApplication {
  slug: string;
  team: string;
  /** Version per environment now (desired in Git), by environment name. */
  versions: Readonly<Record<string, string | null>>;
}

interface HistoryStep {
  to: PromotionState;
  at: Date;
  actor: Actor;
  detail: string;
  data?: TransitionData;
}

export interface HistoryPromotion {
  application: string;
  environment: string;
  fromEnvironment: string | null;
  version: string;
  previousVersion: string;
  createdAt: Date;
  requester: Actor;
  steps: HistoryStep[];
  /** Pull request opened → deployed, as correlation records it. */
  leadTimeSeconds: number | null;
}

interface Profile {
  name: string;
  releasesPerWeek: number;
  /** Seconds ranges. */
  review: [number, number];
  sync: [number, number];
  gap: [number, number];
  detect: [number, number];
  restore: [number, number];
  failure: number;
}

const MIN = 60;
const HOUR = 3_600;
const DAY = 86_400;

const PROFILES: readonly Profile[] = [
  {
    name: "fast",
    releasesPerWeek: 3,
    review: [5 * MIN, 40 * MIN],
    sync: [1 * MIN, 4 * MIN],
    gap: [30 * MIN, 4 * HOUR],
    detect: [5 * MIN, 20 * MIN],
    restore: [10 * MIN, 40 * MIN],
    failure: 0.05,
  },
  {
    name: "steady",
    releasesPerWeek: 2,
    review: [30 * MIN, 6 * HOUR],
    sync: [2 * MIN, 8 * MIN],
    gap: [4 * HOUR, 24 * HOUR],
    detect: [15 * MIN, 2 * HOUR],
    restore: [1 * HOUR, 8 * HOUR],
    failure: 0.1,
  },
  {
    name: "slow",
    releasesPerWeek: 1,
    review: [8 * HOUR, 3 * DAY],
    sync: [3 * MIN, 10 * MIN],
    gap: [1 * DAY, 3 * DAY],
    detect: [1 * HOUR, 12 * HOUR],
    restore: [6 * HOUR, 2 * DAY],
    failure: 0.2,
  },
];

const FIRST_NAMES = ["Ana", "Ben", "Chloé", "Dev", "Emeka", "Farah", "Goran", "Hana", "Ivo", "Jun"];
const LAST_NAMES = ["Okafor", "Silva", "Novak", "Tanaka", "Müller", "Haddad", "Kowalski", "Reyes"];

/** Gantry itself, acting in the demo history (deployments seen, failed jobs). */
const DEMO_HISTORY_SYSTEM: Actor = {
  kind: "system",
  id: null,
  name: `Gantry${DEMO_HISTORY_NAME_SUFFIX}`,
  email: "gantry+demo-history@gantry.local",
};

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

function person(random: Random): Actor {
  const first = random.pick(FIRST_NAMES);
  const last = random.pick(LAST_NAMES);
  const local = `${first}.${last}`
    .normalize("NFD")
    .replace(/[^A-Za-z.]/g, "")
    .toLowerCase();
  return {
    kind: "person",
    id: null,
    name: `${first} ${last}${DEMO_HISTORY_NAME_SUFFIX}`,
    email: `${local}@demo-history.gantry.local`,
  };
}

/** A plausible version released before `version`, or null when there is none. */
export function earlierVersion(version: string, random: Random): string | null {
  const numeric = /^(v?)(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (numeric) {
    const [, prefix, a, b, c] = numeric;
    let major = Number(a);
    let minor = Number(b);
    let patch = Number(c);
    if (patch > 0) patch -= 1;
    else if (minor > 0) {
      minor -= 1;
      patch = random.int(0, 3);
    } else if (major > 0) {
      major -= 1;
      minor = random.int(1, 9);
      patch = random.int(0, 3);
    } else return null;
    return `${prefix}${major}.${minor}.${patch}`;
  }
  if (/^[0-9a-f]{7,40}$/.test(version)) return random.hex(version.length);
  return null;
}

const at = (base: Date, seconds: number) => new Date(base.getTime() + Math.round(seconds * 1000));

/**
 * One application's history between `from` and `until`, through
 * `environments` (in order); `approvalEnvironments` wait for an approval.
 */
export function planApplicationHistory(params: {
  application: DemoApplication;
  environments: readonly string[];
  approvalEnvironments: ReadonlySet<string>;
  from: Date;
  until: Date;
  seed: number;
}): HistoryPromotion[] {
  const { application, environments, from, until } = params;
  const random = new Random(params.seed ^ hash(application.slug));
  const profile = PROFILES[hash(application.team) % PROFILES.length] ?? PROFILES[0];
  const last = environments[environments.length - 1];
  const newest = last ? application.versions[last] : null;
  if (!profile || !last || !newest) return [];
  const span = (until.getTime() - from.getTime()) / 1000;
  const weeks = span / (7 * DAY);
  const wanted = Math.max(
    2,
    Math.round(weeks * profile.releasesPerWeek * (0.75 + random.next() / 2)),
  );
  // Versions oldest first, ending at what the last environment runs now.
  const chain = [newest];
  while (chain.length <= wanted) {
    const earlier = earlierVersion(chain[0] ?? newest, random);
    if (earlier === null || chain.includes(earlier)) break;
    chain.unshift(earlier);
  }
  if (chain.length < 2) return [];
  const team = [person(random), person(random), person(random)];
  const approvers = [person(random), person(random)];
  const range = ([low, high]: [number, number]) => low + random.next() * (high - low);

  const current = new Map(environments.map((env) => [env, chain[0] ?? newest]));
  const free = new Map(environments.map((env) => [env, from]));
  const promotions: HistoryPromotion[] = [];
  const releases = chain.length - 1;
  const interval = span / releases;
  const stopBy = at(until, -2 * HOUR);

  /** A promotion that runs to deployed from `createdAt`; returns it and when it deployed. */
  const flow = (p: {
    environment: string;
    fromEnvironment: string | null;
    version: string;
    previousVersion: string;
    createdAt: Date;
    review: [number, number];
    requester: Actor;
    detail: string;
  }): HistoryPromotion => {
    const steps: HistoryStep[] = [];
    const prOpenedAt = at(p.createdAt, range([MIN, 3 * MIN]));
    steps.push({
      to: "pr_open",
      at: prOpenedAt,
      actor: DEMO_HISTORY_SYSTEM,
      detail: "Demo history: no pull request was made for history",
    });
    let mergedAt: Date;
    if (params.approvalEnvironments.has(p.environment)) {
      const approvedAt = at(prOpenedAt, range(p.review));
      steps.push({
        to: "approved",
        at: approvedAt,
        actor: random.pick(approvers),
        detail: "Demo history: approved",
      });
      mergedAt = at(approvedAt, range([MIN, 20 * MIN]));
    } else {
      mergedAt = at(prOpenedAt, range(p.review) / 4);
    }
    steps.push({ to: "merged", at: mergedAt, actor: p.requester, detail: "Demo history: merged" });
    const syncingAt = at(mergedAt, range([20, 60]));
    steps.push({
      to: "syncing",
      at: syncingAt,
      actor: DEMO_HISTORY_SYSTEM,
      detail: "Demo history: clusters applying the change",
    });
    const deployedAt = at(syncingAt, range(profile.sync));
    steps.push({
      to: "deployed",
      at: deployedAt,
      actor: DEMO_HISTORY_SYSTEM,
      detail: "Demo history: every cluster synced and healthy",
    });
    return {
      application: application.slug,
      environment: p.environment,
      fromEnvironment: p.fromEnvironment,
      version: p.version,
      previousVersion: p.previousVersion,
      createdAt: p.createdAt,
      requester: p.requester,
      steps,
      leadTimeSeconds: Math.round((deployedAt.getTime() - prOpenedAt.getTime()) / 1000),
    };
  };
  const deployedAtOf = (p: HistoryPromotion): Date =>
    p.steps[p.steps.length - 1]?.at ?? p.createdAt;

  for (let release = 1; release <= releases; release++) {
    const version = chain[release] ?? newest;
    const newestRelease = release === releases;
    let ready = at(from, (release - 1) * interval + random.next() * interval * 0.3);
    for (const [index, environment] of environments.entries()) {
      const freeAt = free.get(environment) ?? from;
      const createdAt = at(
        new Date(Math.max(ready.getTime(), freeAt.getTime())),
        range([MIN, 10 * MIN]),
      );
      if (createdAt > stopBy) break;
      const previousVersion = current.get(environment) ?? version;
      const fromEnvironment = index === 0 ? null : (environments[index - 1] ?? null);
      const requester = random.pick(team);
      const roll = random.next();
      const failsEarly = !newestRelease && roll < profile.failure * 0.3;
      const failsLate = !newestRelease && !failsEarly && roll < profile.failure;
      if (failsEarly) {
        // The pull request job fails; the requester closes it and asks again later.
        const failedAt = at(createdAt, range([MIN, 3 * MIN]));
        const closedAt = at(failedAt, range([5 * MIN, 30 * MIN]));
        const reason = "the Git host did not answer in time (demo history)";
        promotions.push({
          application: application.slug,
          environment,
          fromEnvironment,
          version,
          previousVersion,
          createdAt,
          requester,
          steps: [
            {
              to: "failed",
              at: failedAt,
              actor: DEMO_HISTORY_SYSTEM,
              detail: `Demo history: ${reason}`,
              data: { failureReason: reason },
            },
            {
              to: "closed",
              at: closedAt,
              actor: requester,
              detail: "Demo history: closed, to be asked for again",
            },
          ],
          leadTimeSeconds: null,
        });
        const again = flow({
          environment,
          fromEnvironment,
          version,
          previousVersion,
          createdAt: at(failedAt, range(profile.restore)),
          review: profile.restore,
          requester,
          detail: "asked for again",
        });
        promotions.push(again);
        free.set(environment, deployedAtOf(again));
        current.set(environment, version);
        break;
      }
      const promotion = flow({
        environment,
        fromEnvironment,
        version,
        previousVersion,
        createdAt,
        review: profile.review,
        requester,
        detail: "released",
      });
      promotions.push(promotion);
      const deployedAt = deployedAtOf(promotion);
      if (failsLate) {
        // Deployed, found broken, rolled back by a promotion of the previous version.
        const rollback = flow({
          environment,
          fromEnvironment: null,
          version: previousVersion,
          previousVersion: version,
          createdAt: at(deployedAt, range(profile.detect)),
          review: [profile.restore[0] / 2, profile.restore[1] / 2],
          requester,
          detail: "rollback",
        });
        const rollbackMerged =
          rollback.steps.find((step) => step.to === "merged")?.at ?? deployedAt;
        promotion.steps.push({
          to: "rolled_back",
          at: rollbackMerged,
          actor: requester,
          detail: `Demo history: rolled back to ${previousVersion}`,
        });
        promotions.push(rollback);
        free.set(environment, deployedAtOf(rollback));
        break;
      }
      current.set(environment, version);
      free.set(environment, deployedAt);
      ready = at(deployedAt, range(profile.gap));
    }
  }
  return promotions.filter((p) => p.steps.every((step) => step.at <= until));
}
