/*
 * lib/demo owns everything demo (the seeded GitOps repository, the demo clusters' status feed, the
 * demo history), which the product imports only at boot, through lib/runtime.
 */

import { demoAppNames } from "@/lib/demo/app-names";
import { CHART_NAMES, chartFiles } from "@/lib/demo/charts";
import { Random } from "@/lib/demo/random";
import { renderReadme } from "@/lib/demo/readme";
import {
  type DemoLink,
  type EnvironmentInput,
  type QuoteStyle,
  renderAppManifest,
  renderEnvironments,
  renderValues,
} from "@/lib/demo/render";
import {
  CI_BOT,
  COMPONENTS,
  type DemoComponent,
  type DemoPerson,
  DOMAIN_SUBJECT,
  displayName,
  PEOPLE,
  RELEASE_MANAGERS,
  TEAMS,
} from "@/lib/demo/vocabulary";
import type { RepositorySeed } from "@/lib/git/local/ensure-repository";
import { appManifestPath, ENVIRONMENTS_FILE, environmentValuesPath } from "@/lib/gitops-repo/paths";

/**
 * The demo GitOps repository: a deterministic function of (apps, seed,
 * endDate). The file contents depend only on `apps` and `seed`; `endDate`
 * only places the commit dates ("the past six weeks"), so the same day gives
 * the same commit SHAs.
 *
 * The history is simulated, not decorated: an initial import, then releases
 * landing in dev, promotions moving them dev → test → staging → prod,
 * release trains, scaling changes, a rollback or two and new apps. The final
 * state is whatever that history produced, so every version in the files has
 * a commit that put it there.
 */

interface DemoCommit {
  /** Subject line, a blank line and a body when there is one. */
  message: string;
  author: DemoPerson;
  date: Date;
  /** Files written (content) or removed (null); paths from the repository root. */
  changes: Array<{ path: string; content: string | null }>;
}

/** A commit whose files are produced as they are read (the import of every app is most of the repository). */
type StreamedDemoCommit = Omit<DemoCommit, "changes"> & {
  changes: Iterable<{ path: string; content: string | null }>;
};

export interface DemoRepository {
  commits: DemoCommit[];
  /** Slugs of every app in the final state, sorted. */
  apps: string[];
  teams: string[];
  environments: string[];
}

export interface DemoOptions {
  /** Number of applications in the final state (default 420). */
  apps?: number;
  seed?: number;
  /** History ends just before this moment; default: the start of today (UTC). */
  endDate?: Date;
  /** Commits after the initial import (default 40). */
  historyCommits?: number;
  /** The soak of every after-healthy environment (default: test 2 minutes, staging 5). */
  soakSeconds?: number;
}

const DEFAULT_DEMO_APPS = 420;

/** The demo fleet as the seed of a new local repository (lib/git/local/ensure-repository.ts). */
export function demoRepositorySeed(options: {
  apps: number;
  seed?: number;
  endDate?: Date;
  soakSeconds?: number;
}): RepositorySeed {
  return {
    description: `the demo GitOps repository (${options.apps} apps)`,
    // Streamed: at 10,000 apps the whole history held at once took the start's step process
    // past 400 MiB; one commit (and one app's files) at a time, it stays near the import's size.
    generate() {
      const demo = streamDemoRepository(options);
      return { commits: demo.commits, summary: `${demo.apps.length} apps` };
    },
  };
}
const DEFAULT_SEED = 20_241_105;
const HISTORY_DAYS = 42;

const ENVIRONMENTS: readonly EnvironmentInput[] = [
  {
    name: "dev",
    displayName: "Development",
    description: "Every merged release lands here first; breaks are expected and fixed forward.",
    clusters: [{ name: "dev-eu-west-1", region: "eu-west-1", provider: "aws" }],
    policy: { approvals: 0, autoMerge: true, autoPromote: "on-release" },
  },
  {
    name: "test",
    displayName: "Test",
    description: "Integration and contract tests run against this environment.",
    clusters: [{ name: "test-eu-west-1", region: "eu-west-1", provider: "aws" }],
    // A short soak, so releases visibly flow on a laptop.
    policy: { approvals: 0, autoMerge: true, autoPromote: "after-healthy", soak: "2m" },
  },
  {
    name: "staging",
    displayName: "Staging",
    description: "Production-like data shapes and traffic replay; last stop before prod.",
    clusters: [
      { name: "staging-eu-west-1", region: "eu-west-1", provider: "aws" },
      { name: "staging-us-east-1", region: "us-east-1", provider: "aws" },
    ],
    policy: { approvals: 1, order: "deployed", autoPromote: "after-healthy", soak: "5m" },
  },
  {
    name: "prod",
    displayName: "Production",
    description: "Customer traffic in three regions.",
    clusters: [
      { name: "prod-eu-west-1", region: "eu-west-1", provider: "aws" },
      { name: "prod-us-east-1", region: "us-east-1", provider: "aws" },
      { name: "prod-ap-southeast-1", region: "ap-southeast-1", provider: "aws" },
    ],
    // Only a date-range freeze far ahead: a recurring (weekly) one would make the
    // demo, and the tests that use it, behave differently by the day of the week.
    policy: {
      approvals: { count: 2, team: "prod-approvers" },
      order: "healthy",
      freezes: [
        {
          from: "2027-12-24T00:00:00+01:00",
          to: "2028-01-02T08:00:00+01:00",
          reason: "Year-end freeze",
        },
      ],
    },
  },
];
/** ENVIRONMENTS, with another soak for the after-healthy ones when one is asked for. */
function demoEnvironments(soakSeconds: number | undefined): readonly EnvironmentInput[] {
  if (soakSeconds === undefined) return ENVIRONMENTS;
  return ENVIRONMENTS.map((environment) =>
    environment.policy.autoPromote === "after-healthy"
      ? { ...environment, policy: { ...environment.policy, soak: `${soakSeconds}s` } }
      : environment,
  );
}

const ENVIRONMENT_NAMES = ENVIRONMENTS.map((e) => e.name);
const DISPLAY_NAME = new Map(ENVIRONMENTS.map((e) => [e.name, e.displayName]));

const CRITICAL_DOMAINS = new Set([
  "payments",
  "checkout",
  "ledger",
  "auth",
  "identity",
  "orders",
  "settlement",
  "wallet",
  "cards",
  "fraud",
]);
const PCI_DOMAINS = new Set(["payments", "cards", "wallet", "settlement", "refunds"]);
const FRONTEND_COMPONENTS = new Set(["web", "portal", "admin", "bff"]);

type VersionScheme = "semver" | "calver" | "sha";

interface AppState {
  slug: string;
  name: string;
  team: string;
  teamIndex: number;
  domain: string;
  component: DemoComponent;
  tier: "critical" | "high" | "medium" | "low";
  language: string;
  description: string;
  owners: string[];
  slack: string;
  links: DemoLink[];
  labels: Record<string, string>;
  scheme: VersionScheme;
  quote: QuoteStyle;
  tagComment: string | null;
  environments: string[];
  /** The newest version ever released; dev's version unless it was rolled back. */
  latest: number[] | string;
  versions: Map<string, string>;
  /** Versions each environment ran before, newest last, for rollbacks. */
  previous: Map<string, string[]>;
  replicas: Map<string, number>;
  schedule: string;
}

export function generateDemoRepository(options: DemoOptions = {}): DemoRepository {
  const demo = streamDemoRepository(options);
  const commits: DemoCommit[] = [];
  for (const commit of demo.commits) commits.push({ ...commit, changes: [...commit.changes] });
  return { ...demo, commits };
}

/**
 * The same repository as generateDemoRepository, its commits generated one at
 * a time as they are read. The app states move on with each commit, so each
 * commit's files must be read before the next commit is asked for (as
 * fast-import does); asking earlier throws rather than write later contents.
 */
export function streamDemoRepository(
  options: DemoOptions = {},
): Omit<DemoRepository, "commits"> & { commits: Generator<StreamedDemoCommit, void, undefined> } {
  const appCount = Math.max(1, Math.floor(options.apps ?? DEFAULT_DEMO_APPS));
  const random = new Random(options.seed ?? DEFAULT_SEED);
  const endDate = options.endDate ?? startOfTodayUtc();
  const historyCommits = Math.max(0, Math.floor(options.historyCommits ?? 40));

  const start = new Date(endDate.getTime() - HISTORY_DAYS * DAY);
  const dates = historyDates(start, endDate, historyCommits, random);
  const slugs = demoAppNames(appCount, random);
  const apps = slugs.map((slug) => createApp(slug, random));
  const lateApps =
    appCount >= 80 && dates.length >= 10 ? Math.min(5, Math.floor(appCount / 80)) : 0;
  const initialApps = apps.slice(0, apps.length - lateApps);
  // Apps added during the history are new: they have not reached staging or prod yet.
  for (const app of apps.slice(apps.length - lateApps)) app.environments = ["dev", "test"];
  for (const app of apps) initialiseVersions(app, random);

  function* commits(): Generator<StreamedDemoCommit, void, undefined> {
    const platformAuthor = PEOPLE[0] ?? CI_BOT;
    const example = initialApps.find((app) => app.environments.includes("prod")) ?? apps[0];
    yield {
      message:
        "Add shared Helm charts and environments\n\nFour charts every team deploys with, and the dev → test → staging → prod\npath with the clusters each environment runs on.",
      author: platformAuthor,
      date: atTime(start, 9, 12),
      changes: [
        ...CHART_NAMES.flatMap((chart) => chartFiles(chart)),
        {
          path: ENVIRONMENTS_FILE,
          content: renderEnvironments(demoEnvironments(options.soakSeconds)),
        },
        {
          path: "README.md",
          content: renderReadme({
            apps: appCount,
            teams: TEAMS.length,
            example: {
              slug: example?.slug ?? "app",
              chart: example?.component.chart ?? "web-service",
              environment: "prod",
            },
          }),
        },
      ],
    };
    let read = false;
    function* importedFiles() {
      for (const app of initialApps) yield* appFiles(app);
      read = true;
    }
    yield {
      message: `Import ${initialApps.length} applications from the old deploy repositories\n\nOne directory per app with its catalogue entry and the values each\nenvironment runs today. Versions are copied from what the clusters ran on\nthe day of the move.`,
      author: platformAuthor,
      date: atTime(start, 11, 47),
      changes: importedFiles(),
    };
    if (!read) throw new Error("read the demo import's files before asking for the next commit");

    const history = new History(apps, initialApps.length, dates.length, random);
    for (const date of dates) {
      const commit = history.next(date);
      if (commit) yield commit;
    }
  }

  return {
    commits: commits(),
    apps: [...slugs].sort(),
    teams: TEAMS.map((t) => t.slug),
    environments: [...ENVIRONMENT_NAMES],
  };
}

function createApp(slug: string, random: Random): AppState {
  const [domain = "", word = ""] = slug.split("-");
  const component = COMPONENTS.find((c) => c.word === word) ?? COMPONENTS[0];
  const teamIndex = TEAMS.findIndex((t) => t.domains.includes(domain));
  const team = TEAMS[teamIndex];
  if (!component || !team) throw new Error(`demo vocabulary has no team for ${slug}`);

  const critical = CRITICAL_DOMAINS.has(domain) && component.chart !== "cronjob";
  const tier = random.weighted<AppState["tier"]>(
    critical
      ? [
          ["critical", 45],
          ["high", 35],
          ["medium", 15],
          ["low", 5],
        ]
      : [
          ["critical", 4],
          ["high", 24],
          ["medium", 46],
          ["low", 26],
        ],
  );
  const language = FRONTEND_COMPONENTS.has(component.word)
    ? random.weighted([
        ["typescript", 8],
        ["kotlin", 1],
        ["go", 1],
      ])
    : random.weighted([
        ["go", 30],
        ["java", 20],
        ["kotlin", 12],
        ["typescript", 14],
        ["python", 16],
        ["rust", 6],
        ["scala", 2],
      ]);
  const scheme = random.weighted<VersionScheme>([
    ["semver", 90],
    ["calver", 6],
    ["sha", 4],
  ]);
  const environments = random.weighted([
    [ENVIRONMENT_NAMES, 90],
    [["dev", "test", "staging"], 3],
    [["dev", "staging", "prod"], 3],
    [["dev", "test"], 2],
    [["staging", "prod"], 2],
  ]);
  const owners = [PEOPLE[teamIndex % PEOPLE.length], PEOPLE[(teamIndex + 7) % PEOPLE.length]]
    .filter((p): p is DemoPerson => p !== undefined)
    .slice(0, random.chance(0.6) ? 2 : 1)
    .map((p) => p.email);
  const links: DemoLink[] = [
    { title: "Runbook", url: `https://runbooks.example.com/${team.slug}/${slug}` },
    { title: "Dashboard", url: `https://grafana.example.com/d/${slug}/overview` },
    { title: "Repository", url: `https://git.example.com/${team.slug}/${slug}` },
  ];
  if (component.chart === "web-service" && random.chance(0.3)) {
    links.push({ title: "API docs", url: `https://docs.example.com/apis/${slug}` });
  }
  const labels: Record<string, string> = {
    domain,
    component: component.word,
    language,
    tier,
    "cost-center": `cc-${1000 + teamIndex * 17}`,
  };
  if (PCI_DOMAINS.has(domain)) labels.pci = "true";
  if (slug.split("-").length > 2) labels.variant = slug.split("-").slice(2).join("-");

  const subject = DOMAIN_SUBJECT[domain] ?? domain;
  return {
    slug,
    name: displayName(slug),
    team: team.slug,
    teamIndex,
    domain,
    component,
    tier,
    language,
    description: component.describe.replace("{subject}", subject),
    owners,
    slack: random.chance(0.5) ? `#${team.slug}` : `#${team.slug}-alerts`,
    links,
    labels,
    scheme,
    quote:
      scheme === "sha"
        ? "double"
        : random.weighted<QuoteStyle>([
            ["plain", 60],
            ["double", 30],
            ["single", 10],
          ]),
    tagComment: random.chance(0.15) ? "set by Gantry promotions" : null,
    environments: [...environments],
    latest: [],
    versions: new Map(),
    previous: new Map(),
    replicas: new Map(),
    schedule: `${random.int(0, 59)} ${random.int(0, 5)} * * *`,
  };
}

/**
 * Versions the way fleets look: prod behind staging behind test behind dev
 * by 0–3 releases in total, a quarter of the apps the same everywhere.
 */
function initialiseVersions(app: AppState, random: Random): void {
  const lag = random.weighted([
    [0, 26],
    [1, 32],
    [2, 26],
    [3, 16],
  ]);
  let current: number[] | string;
  switch (app.scheme) {
    case "semver":
      current = [
        random.weighted([
          [0, 8],
          [1, 45],
          [2, 25],
          [3, 14],
          [4, 6],
          [7, 2],
        ]),
        random.int(0, 40),
        random.int(0, 12),
      ];
      break;
    case "calver":
      current = [random.pick([2024, 2025]), random.int(1, 12), random.int(0, 9)];
      break;
    case "sha":
      current = random.hex(7);
      break;
  }
  const chain = [formatVersion(current)];
  for (let i = 0; i < lag; i++) {
    current = bump(app.scheme, current, random);
    chain.push(formatVersion(current));
  }
  app.latest = current;
  // Where each environment sits on the chain: the first at the newest release,
  // the last `lag` releases behind, the ones between somewhere in order.
  const positions = app.environments.map(() => random.int(0, lag)).sort((a, b) => b - a);
  positions[0] = lag;
  positions[positions.length - 1] = 0;
  app.environments.forEach((environment, index) => {
    app.versions.set(environment, chain[positions[index] ?? 0] ?? chain[0] ?? "1.0.0");
    app.previous.set(environment, []);
    app.replicas.set(environment, initialReplicas(app, environment, random));
  });
}

function bump(
  scheme: VersionScheme,
  version: number[] | string,
  random: Random,
): number[] | string {
  if (typeof version === "string" || scheme === "sha") return random.hex(7);
  const [a = 0, b = 0, c = 0] = version;
  if (scheme === "calver") {
    return random.chance(0.6) ? [a, b, c + 1] : b === 12 ? [a + 1, 1, 0] : [a, b + 1, 0];
  }
  const roll = random.next();
  if (roll < 0.68) return [a, b, c + 1];
  if (roll < 0.98) return [a, b + 1, 0];
  return [a + 1, 0, 0];
}

function formatVersion(version: number[] | string): string {
  return typeof version === "string" ? version : version.join(".");
}

function initialReplicas(app: AppState, environment: string, random: Random): number {
  if (app.component.chart === "cronjob") return 1;
  if (app.component.chart === "stateful-service") return environment === "prod" ? 3 : 1;
  if (environment !== "prod") return environment === "staging" ? 2 : 1;
  switch (app.tier) {
    case "critical":
      return random.int(4, 8);
    case "high":
      return random.int(3, 5);
    case "medium":
      return random.int(2, 3);
    case "low":
      return 2;
  }
}

function appFiles(app: AppState): Array<{ path: string; content: string }> {
  return [
    { path: appManifestPath(app.slug), content: manifest(app) },
    ...app.environments.map((environment) => ({
      path: environmentValuesPath(app.slug, environment),
      content: values(app, environment),
    })),
  ];
}

function manifest(app: AppState): string {
  return renderAppManifest({
    slug: app.slug,
    name: app.name,
    team: app.team,
    description: app.description,
    tier: app.tier,
    chart: app.component.chart,
    owners: app.owners,
    slack: app.slack,
    links: app.links,
    labels: app.labels,
  });
}

function values(app: AppState, environment: string): string {
  const heavy = app.language === "java" || app.language === "kotlin" || app.language === "scala";
  const light = app.language === "go" || app.language === "rust";
  const prod = environment === "prod";
  return renderValues({
    slug: app.slug,
    team: app.team,
    chart: app.component.chart,
    environment,
    environmentDisplayName: DISPLAY_NAME.get(environment) ?? environment,
    version: app.versions.get(environment) ?? "",
    quote: app.quote,
    tagComment: app.tagComment,
    replicas: app.replicas.get(environment) ?? 1,
    cpu: prod
      ? app.tier === "critical"
        ? "500m"
        : "250m"
      : environment === "staging"
        ? "100m"
        : "50m",
    memoryRequest: heavy ? "512Mi" : light ? "128Mi" : "256Mi",
    memoryLimit: heavy ? "1Gi" : light ? "256Mi" : "512Mi",
    logLevel: environment === "dev" ? "debug" : "info",
    topic: `${app.domain}.${app.component.word}.v1`,
    schedule: app.schedule,
  });
}

type EventKind = "release" | "promote" | "train" | "scale" | "manifest" | "rollback";

/** Replays a few weeks of delivery on the app states, one commit per call. */
class History {
  private readonly random: Random;
  private readonly apps: AppState[];
  private added: number;
  private readonly total: number;
  private readonly addEvery: number;
  private step = 0;

  constructor(apps: AppState[], initiallyPresent: number, commits: number, random: Random) {
    this.apps = apps;
    this.added = initiallyPresent;
    this.total = apps.length;
    this.random = random;
    // New apps are spread evenly over the history so every one of them lands.
    const late = apps.length - initiallyPresent;
    this.addEvery = late > 0 ? Math.floor(commits / (late + 1)) : Number.POSITIVE_INFINITY;
  }

  next(date: Date): DemoCommit | null {
    this.step++;
    const present = this.apps.slice(0, this.added);
    if (this.added < this.total && this.step % this.addEvery === 0) return this.addApp(date);
    const kind = this.random.weighted<EventKind>([
      ["release", 30],
      ["promote", 44],
      ["train", 6],
      ["scale", 9],
      ["manifest", 6],
      ["rollback", 5],
    ]);
    switch (kind) {
      case "release":
        return this.release(present, date);
      case "promote":
        return (
          this.promote(present, this.random.pick(["test", "staging", "prod"]), date, false) ??
          this.release(present, date)
        );
      case "train":
        return this.promote(present, "prod", date, true) ?? this.release(present, date);
      case "scale":
        return this.scale(present, date) ?? this.release(present, date);
      case "manifest":
        return this.editManifest(present, date) ?? this.release(present, date);
      case "rollback":
        return this.rollback(present, date) ?? this.release(present, date);
    }
  }

  private release(present: AppState[], date: Date): DemoCommit | null {
    const picked = this.sample(present, this.random.int(1, 3));
    if (picked.length === 0) return null;
    const changes: DemoCommit["changes"] = [];
    const lines: string[] = [];
    const targets = new Set<string>();
    for (const app of picked) {
      const environment = app.environments[0] ?? "dev";
      targets.add(environment);
      app.latest = bump(app.scheme, app.latest, this.random);
      const version = formatVersion(app.latest);
      this.setVersion(app, environment, version);
      changes.push({
        path: environmentValuesPath(app.slug, environment),
        content: values(app, environment),
      });
      lines.push(`- ${app.slug} ${version} → ${environment}`);
    }
    const only = picked.length === 1 ? picked[0] : undefined;
    const where = targets.size === 1 ? [...targets][0] : "their first environment";
    const message = only
      ? `Release ${only.slug} ${formatVersion(only.latest)} to ${where}\n\nBuilt from main by the CI pipeline; image pushed and scanned.`
      : `Release ${picked.length} apps to ${where}\n\n${lines.join("\n")}\n\nBuilt from main by the CI pipeline; images pushed and scanned.`;
    return { message, author: CI_BOT, date, changes };
  }

  private promote(
    present: AppState[],
    target: string,
    date: Date,
    train: boolean,
  ): DemoCommit | null {
    const candidates = present.filter((app) => {
      const index = app.environments.indexOf(target);
      const source = app.environments[index - 1];
      return (
        index > 0 && source !== undefined && app.versions.get(source) !== app.versions.get(target)
      );
    });
    const picked = this.sample(candidates, train ? this.random.int(3, 6) : this.random.int(1, 3));
    if (picked.length === 0) return null;
    const changes: DemoCommit["changes"] = [];
    const lines: string[] = [];
    for (const app of picked) {
      const source = app.environments[app.environments.indexOf(target) - 1] ?? "";
      const from = app.versions.get(target) ?? "";
      const version = app.versions.get(source) ?? "";
      this.setVersion(app, target, version);
      changes.push({ path: environmentValuesPath(app.slug, target), content: values(app, target) });
      lines.push(`- ${app.slug} ${from} → ${version} (from ${source})`);
    }
    const author =
      target === "prod" ? this.random.pick(RELEASE_MANAGERS) : this.random.pick(PEOPLE);
    const only = picked.length === 1 ? picked[0] : undefined;
    let message: string;
    if (train) {
      message = `Release train ${isoWeek(date)}: promote ${picked.length} apps to ${target}\n\n${lines.join("\n")}\n\nVerified together in staging; change ticket CHG-${this.random.int(10000, 99999)}.`;
    } else if (only) {
      const source = only.environments[only.environments.indexOf(target) - 1] ?? "";
      message = `Promote ${only.slug} ${only.versions.get(target)} to ${target}\n\nRan in ${source} without alerts; ${target === "prod" ? "approved by the service owner and a release manager" : "smoke tests green"}.`;
    } else {
      message = `Promote ${picked.length} apps to ${target}\n\n${lines.join("\n")}`;
    }
    return { message, author, date, changes };
  }

  private scale(present: AppState[], date: Date): DemoCommit | null {
    const candidates = present.filter(
      (app) =>
        (app.component.chart === "web-service" || app.component.chart === "worker") &&
        app.environments.includes("prod"),
    );
    const app = this.sample(candidates, 1)[0];
    if (!app) return null;
    const before = app.replicas.get("prod") ?? 2;
    const after = Math.max(2, before + this.random.pick([-1, 1, 2, 3]));
    if (after === before) return null;
    app.replicas.set("prod", after);
    const reason =
      after > before
        ? this.random.pick([
            "Traffic is up ahead of the weekend campaign.",
            "p99 latency crept over the SLO at peak; more headroom.",
            "Consumer lag at peak; one more replica per partition pair.",
          ])
        : "Peak traffic is well below capacity since the caching change.";
    return {
      message: `Scale ${app.slug} to ${after} replicas in prod\n\n${reason}`,
      author: this.teamMember(app),
      date,
      changes: [{ path: environmentValuesPath(app.slug, "prod"), content: values(app, "prod") }],
    };
  }

  private editManifest(present: AppState[], date: Date): DemoCommit | null {
    const candidates = present.filter((app) => !app.links.some((l) => l.title === "On-call"));
    const app = this.sample(candidates, 1)[0];
    if (!app) return null;
    app.links.push({ title: "On-call", url: `https://oncall.example.com/teams/${app.team}` });
    return {
      message: `${app.slug}: link the on-call schedule`,
      author: this.teamMember(app),
      date,
      changes: [{ path: appManifestPath(app.slug), content: manifest(app) }],
    };
  }

  private rollback(present: AppState[], date: Date): DemoCommit | null {
    const candidates = present.filter((app) => (app.previous.get("prod")?.length ?? 0) > 0);
    const app = this.sample(candidates, 1)[0];
    if (!app) return null;
    const bad = app.versions.get("prod") ?? "";
    const good = app.previous.get("prod")?.pop() ?? bad;
    if (good === bad) return null;
    app.versions.set("prod", good);
    return {
      message: `Roll back ${app.slug} in prod to ${good}\n\n${bad} raised the error rate on ${this.random.pick(["checkout", "login", "search", "order"])} requests; reverting while we investigate.`,
      author: this.teamMember(app),
      date,
      changes: [{ path: environmentValuesPath(app.slug, "prod"), content: values(app, "prod") }],
    };
  }

  private addApp(date: Date): DemoCommit | null {
    const app = this.apps[this.added];
    if (!app) return null;
    this.added++;
    return {
      message: `Add ${app.slug} to the catalogue\n\n${app.description} Deployed to dev and test first.`,
      author: this.teamMember(app),
      date,
      changes: appFiles(app),
    };
  }

  private setVersion(app: AppState, environment: string, version: string): void {
    const old = app.versions.get(environment);
    if (old !== undefined && old !== version) app.previous.get(environment)?.push(old);
    app.versions.set(environment, version);
  }

  private teamMember(app: AppState): DemoPerson {
    return (
      PEOPLE[(app.teamIndex + this.random.pick([0, 7])) % PEOPLE.length] ?? this.random.pick(PEOPLE)
    );
  }

  private sample<T>(items: readonly T[], count: number): T[] {
    if (items.length <= count) return [...items];
    const picked = new Set<number>();
    while (picked.size < count) picked.add(this.random.int(0, items.length - 1));
    return [...picked]
      .sort((a, b) => a - b)
      .flatMap((i) => (items[i] === undefined ? [] : [items[i]]));
  }
}

const DAY = 24 * 60 * 60 * 1000;

function startOfTodayUtc(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

function atTime(day: Date, hour: number, minute: number): Date {
  return new Date(
    Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), hour, minute, 0),
  );
}

/** Working hours on weekdays, spread over the window, ascending. */
function historyDates(start: Date, end: Date, count: number, random: Random): Date[] {
  const dates: Date[] = [];
  const days = Math.max(1, Math.floor((end.getTime() - start.getTime()) / DAY) - 1);
  for (let i = 0; i < count; i++) {
    let day = new Date(start.getTime() + random.int(1, days) * DAY);
    const weekday = day.getUTCDay();
    if (weekday === 6) day = new Date(day.getTime() - DAY);
    if (weekday === 0) day = new Date(day.getTime() + DAY);
    dates.push(atTime(day, random.int(8, 18), random.int(0, 59)));
  }
  return dates
    .filter((date) => date.getTime() < end.getTime() && date.getTime() > start.getTime() + DAY / 2)
    .sort((a, b) => a.getTime() - b.getTime());
}

function isoWeek(date: Date): string {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / DAY + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}
