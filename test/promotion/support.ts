import { randomBytes } from "node:crypto";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { GitHubEvent } from "@/lib/git/github/webhook";
import { LocalGitProvider } from "@/lib/git/local/local-provider";
import type { Person } from "@/lib/identity/principal";
import {
  applyHostChange,
  type HostChangeContext,
  type HostChangeOutcome,
} from "@/lib/promotion/apply-host-change";
import { type GitopsRepository, meaningOfGitHubEvent } from "@/lib/promotion/github-events";
import type { HostChange } from "@/lib/promotion/host-change";
import type { PromotionContext, PromotionJobs } from "@/lib/promotion/types";
import {
  appFiles,
  CHART_YAML,
  createGitopsFixture,
  ENVIRONMENTS_YAML,
  type GitopsFixture,
} from "@/test/catalogue/gitops-fixture";
import { createTestDatabase } from "@/test/support/db";

function person(
  id: string,
  name: string,
  grants: Partial<Pick<Person, "roles" | "teams" | "approverEnvironments" | "breakGlass">>,
): Person {
  return {
    kind: "person",
    id: `user-${id}`,
    name,
    email: `${id}@example.com`,
    roles: grants.roles ?? ["viewer"],
    teams: grants.teams ?? [],
    approverEnvironments: grants.approverEnvironments ?? [],
    breakGlass: grants.breakGlass ?? false,
    gitLogin: null,
  };
}

/** A developer of team payments, which owns every app of the promotion world. */
export const ALICE = person("alice", "Alice Developer", {
  roles: ["developer"],
  teams: ["payments"],
});
/** An approver for staging and prod. */
export const BOB = person("bob", "Bob Approver", {
  roles: ["approver"],
  approverEnvironments: ["staging", "prod"],
});
/** An approver for prod. */
export const CAROL = person("carol", "Carol Approver", {
  roles: ["approver"],
  approverEnvironments: ["prod"],
});
/** A second developer of team payments. */
export const DAN = person("dan", "Dan Developer", { roles: ["developer"], teams: ["payments"] });
/** A developer of another team. */
export const OSCAR = person("oscar", "Oscar Other", { roles: ["developer"], teams: ["checkout"] });
/** Reads, nothing more. */
export const VICKY = person("vicky", "Vicky Viewer", { roles: ["viewer"] });
/** An admin, who may break a freeze. */
export const ADA = person("ada", "Ada Admin", { roles: ["admin"], breakGlass: true });

export const PEOPLE: readonly Person[] = [ALICE, BOB, CAROL, DAN, OSCAR, VICKY, ADA];

/** The User rows of PEOPLE, so promotions can reference who asked. */
export async function createPeople(db: PrismaClient): Promise<void> {
  await db.user.createMany({
    data: PEOPLE.map((p) => ({
      id: p.id,
      name: p.name,
      email: p.email,
      roles: [...p.roles],
      teams: [...p.teams],
      approverEnvironments: [...p.approverEnvironments],
      breakGlass: p.breakGlass,
    })),
    skipDuplicates: true,
  });
}

/** Jobs that are only recorded: the test runs the job body itself. */
export class RecordedJobs implements PromotionJobs {
  readonly enqueued: string[] = [];
  readonly hostChanges: HostChange[] = [];
  readonly catalogueImports: string[] = [];
  async enqueueOpenPullRequest(params: { promotionId: string }): Promise<void> {
    this.enqueued.push(params.promotionId);
  }
  async enqueueHostChange(params: { change: HostChange }): Promise<void> {
    this.hostChanges.push(params.change);
  }
  async requestCatalogueImport(params: { reason: string }): Promise<void> {
    this.catalogueImports.push(params.reason);
  }
}

/** The GitOps repository the tests' GitHub events are about. */
export const GITHUB_GITOPS: GitopsRepository = {
  provider: "github",
  owner: "acme",
  repository: "gitops",
  defaultBranch: "main",
};

/**
 * A GitHub event as a delivery's job applies it: what it means for the
 * GitOps repository, then `applyHostChange`; an ignored event changes nothing.
 */
export async function applyGitHubEvent(
  ctx: HostChangeContext,
  event: GitHubEvent,
  gitops: GitopsRepository = GITHUB_GITOPS,
): Promise<HostChangeOutcome> {
  const meaning = meaningOfGitHubEvent({ eventName: event.type, event, gitops });
  if ("ignored" in meaning) return { promotions: [], catalogue: "none", retryLater: false };
  return applyHostChange({ ctx, change: meaning.change, source: "webhook" });
}

/** environments.yaml of the promotion world (dev → staging → prod) with the given policies. */
export function environmentsYaml(policies: {
  dev?: string;
  staging?: string;
  prod?: string;
}): string {
  const policy = (text: string | undefined) =>
    text
      ? `    policy:\n${text
          .trim()
          .split("\n")
          .map((line) => `      ${line}`)
          .join("\n")}\n`
      : "";
  return `environments:
  - name: dev
    displayName: Development
    clusters:
      - name: dev-eu-1
${policy(policies.dev)}  - name: staging
    displayName: Staging
    clusters:
      - name: staging-eu-1
${policy(policies.staging)}  - name: prod
    displayName: Production
    clusters:
      - name: prod-eu-1
      - name: prod-us-1
${policy(policies.prod)}`;
}

export interface PromotionWorld {
  repo: GitopsFixture;
  db: PrismaClient;
  url: string;
  provider: LocalGitProvider;
  ctx: PromotionContext;
  jobs: RecordedJobs;
  /** git in the bare repository. */
  git(...args: string[]): Promise<string>;
  importNow(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A GitOps repository with `apps` apps (app-0, app-1, …) at dev 1.1.0,
 * staging 1.1.0, prod 1.0.0, imported into a database of the test's own.
 */
export async function createPromotionWorld(
  options: { apps?: number; jobs?: PromotionJobs; mergeMethod?: "merge" | "squash" } = {},
): Promise<PromotionWorld> {
  const repo = createGitopsFixture();
  const { db, url, drop } = await createTestDatabase();
  await createPeople(db);
  const files: Record<string, string> = {
    "environments.yaml": ENVIRONMENTS_YAML,
    "charts/web-service/Chart.yaml": CHART_YAML,
  };
  for (let i = 0; i < (options.apps ?? 4); i++) {
    Object.assign(
      files,
      appFiles(`app-${i}`, "payments", { dev: "1.1.0", staging: "1.1.0", prod: "1.0.0" }),
    );
  }
  repo.commit(files, "fleet");
  const provider = new LocalGitProvider({
    dataDir: repo.dataDir,
    repository: "gitops",
    defaultBranch: "main",
    db,
  });
  const jobs = new RecordedJobs();
  const importNow = async () => {
    await importCatalogue({ db, git: provider, versionPath: "image.tag", trigger: "test" });
  };
  await importNow();
  return {
    repo,
    db,
    url,
    provider,
    jobs,
    ctx: {
      db,
      git: provider,
      jobs: options.jobs ?? jobs,
      versionPath: "image.tag",
      publicUrl: "https://gantry.example.com",
      mergeMethod: options.mergeMethod ?? "merge",
    },
    git: (...args: string[]) => provider.git.text(args),
    importNow,
    async close() {
      await drop();
      repo.cleanup();
    },
  };
}

/**
 * Points the server's configuration at `world`, for calling route handlers
 * and server actions as the app would; the returned function undoes it
 * (stops the job queue, disconnects the app's clients, restores the env).
 */
export function serveWorld(world: PromotionWorld): () => Promise<void> {
  const env: Record<string, string> = {
    DATABASE_URL: world.url,
    GANTRY_DATA_DIR: world.repo.dataDir,
    GANTRY_GITOPS_REPO: "gitops",
    GANTRY_GITOPS_BRANCH: "main",
    GANTRY_GIT_PROVIDER: "local",
    GANTRY_PUBLIC_URL: "https://gantry.example.com",
    // Signs session cookies; only for this process's tests.
    GANTRY_AUTH_SECRET: randomBytes(32).toString("base64url"),
  };
  const saved: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
  return async () => {
    const queue = globalThis.gantryJobQueue;
    globalThis.gantryJobQueue = undefined;
    await (await queue)?.stop({ graceful: false, close: true });
    const listener = globalThis.gantryChangeListener;
    globalThis.gantryChangeListener = undefined;
    await listener?.close();
    await globalThis.gantryDb?.$disconnect();
    globalThis.gantryDb = undefined;
    await globalThis.gantryAuthDb?.$disconnect();
    globalThis.gantryAuthDb = undefined;
    globalThis.gantryAuth = undefined;
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
