import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { GitHubProvider } from "@/lib/git/github/github-provider";
import { dumpCatalogue } from "@/test/catalogue/catalogue-dump";
import {
  appFiles,
  appYaml,
  CHART_YAML,
  ENVIRONMENTS_YAML,
  valuesYaml,
} from "@/test/catalogue/gitops-fixture";
import { createTestDatabase } from "@/test/support/db";
import { FakeGitHub } from "./fake-github";
import { providerFor } from "./support";

/**
 * A merge on GitHub brings the catalogue up to date by reading only the
 * applications whose directory changed: the compare API names the paths,
 * one GraphQL query lists those directories, one reads their new blobs.
 * No tarball. Whatever GitHub cannot vouch for (a list that may be cut, a
 * base it no longer knows, a history rewritten) is read whole, and the
 * catalogue is the one a full import makes.
 */

const FLEET: Record<string, string> = {
  "environments.yaml": ENVIRONMENTS_YAML,
  "charts/web-service/Chart.yaml": CHART_YAML,
  ...appFiles("first-app", "payments", { dev: "1.0.0", staging: "1.0.0", prod: "0.9.0" }),
  ...appFiles("second-app", "search", { dev: "2.0.0", prod: "2.0.0" }),
  ...appFiles("third-app", "search", { dev: "3.0.0", staging: "3.0.0" }),
};

describe("GitHub incremental import", () => {
  let fake: FakeGitHub;
  let token: string;
  const databases: { db: PrismaClient; drop: () => Promise<void> }[] = [];
  const database = async () => {
    const created = await createTestDatabase();
    databases.push(created);
    return created.db;
  };

  beforeEach(async () => {
    token = `ghp_${randomBytes(16).toString("hex")}`;
    fake = await FakeGitHub.start({ tokens: { [token]: "gantry-bot" } });
  });
  afterEach(async () => {
    for (const { drop } of databases.splice(0)) await drop();
    await fake?.close();
    expect(fake.problems).toEqual([]);
  });

  const github = () => providerFor(fake, { type: "token", token });
  const importWith = (db: PrismaClient, git: GitHubProvider, full = false) =>
    importCatalogue({ db, git, versionPath: "image.tag", trigger: "test", full });

  /** The requests `action` sent, as "METHOD route". */
  const requestsOf = async (action: () => Promise<unknown>): Promise<string[]> => {
    const before = fake.requests.length;
    await action();
    return fake.requests.slice(before).map((r) => r.route ?? `${r.method} ${r.path}`);
  };

  it("imports a one-app merge in four calls: the head, compare, one listing, one read of blobs; no tarball", async () => {
    const db = await database();
    fake.push({ files: FLEET, message: "fleet" });
    const git = github();
    const cold = await importWith(db, git);
    expect(cold.mode).toBe("full");

    fake.push({
      files: { "apps/second-app/envs/prod/values.yaml": valuesYaml("2.1.0") },
      message: "promote second-app",
    });
    let result: Awaited<ReturnType<typeof importWith>> | undefined;
    const calls = await requestsOf(async () => {
      result = await importWith(db, git);
    });
    expect(calls).toEqual([
      "GET /repos/{owner}/{repo}/commits/{ref}",
      "GET /repos/{owner}/{repo}/compare/{basehead}",
      "POST /graphql",
      "POST /graphql",
    ]);
    expect(result).toMatchObject({ mode: "incremental", appsSeen: 3, appsUpdated: 1 });
    const prod = await db.deploymentTarget.findFirstOrThrow({
      where: { application: { slug: "second-app" }, environment: { name: "prod" } },
    });
    expect(prod.desiredVersion).toBe("2.1.0");
  });

  it("reaches the catalogue a full import reaches, after a sequence of edits, also in a new process", async () => {
    fake.push({ files: FLEET, message: "fleet" });
    const incremental = await database();
    const full = await database();
    let git = github();
    await importWith(incremental, git);
    const steps: { files: Record<string, string | null>; mode: "full" | "incremental" }[] = [
      {
        files: { "apps/first-app/envs/dev/values.yaml": valuesYaml("1.1.0") },
        mode: "incremental",
      },
      { files: appFiles("fourth-app", "identity", { dev: "4.0.0" }), mode: "incremental" },
      {
        files: { "apps/third-app/app.yaml": null, "apps/third-app/envs/dev/values.yaml": null },
        mode: "incremental",
      },
      { files: { "apps/second-app/app.yaml": "name: [unclosed\n" }, mode: "incremental" },
      {
        files: {
          "apps/second-app/app.yaml": appYaml({ name: "second-app", team: "payments" }),
          "apps/first-app/envs/prod/values.yaml": valuesYaml("1.1.0"),
          "README.md": "hello\n",
        },
        mode: "incremental",
      },
      // A move: compare names the old and the new path.
      {
        files: {
          "apps/fourth-app/envs/dev/values.yaml": null,
          "apps/fourth-app/envs/qa/values.yaml": valuesYaml("4.0.0"),
        },
        mode: "incremental",
      },
      {
        files: { "environments.yaml": ENVIRONMENTS_YAML.replace("Development", "Dev") },
        mode: "full",
      },
      {
        files: { "apps/third-app/envs/staging/values.yaml": valuesYaml("3.2.0") },
        mode: "incremental",
      },
    ];
    for (const [index, step] of steps.entries()) {
      fake.push({ files: step.files, message: `step ${index}` });
      // A restarted process now and then: a data directory of its own, nothing cached.
      if (index % 3 === 2) git = github();
      const a = await importWith(incremental, git);
      expect(a.mode, `step ${index}`).toBe(step.mode);
      const b = await importWith(full, github(), true);
      expect(await dumpCatalogue(incremental), `step ${index}`).toEqual(await dumpCatalogue(full));
      expect(a.problems, `step ${index}`).toBe(b.problems);
    }
  }, 120_000);

  it("reads the commit whole when compare's list may be cut, or its base is gone", async () => {
    const db = await database();
    fake.push({ files: FLEET, message: "fleet" });
    const git = github();
    await importWith(db, git);

    // GitHub lists at most 300 files: a list that long may be cut, here before second-app.
    const many = Object.fromEntries(
      Array.from({ length: 300 }, (_, i) => [`apps/first-app/notes/${i}.txt`, `${i}\n`]),
    );
    fake.push({
      files: { ...many, "apps/second-app/envs/dev/values.yaml": valuesYaml("2.5.0") },
    });
    let result: Awaited<ReturnType<typeof importWith>> | undefined;
    const cut = await requestsOf(async () => {
      result = await importWith(db, git);
    });
    expect(result?.mode).toBe("full");
    expect(cut).toContain("GET /repos/{owner}/{repo}/tarball/{ref}");
    const second = await db.deploymentTarget.findFirstOrThrow({
      where: { application: { slug: "second-app" }, environment: { name: "dev" } },
    });
    expect(second.desiredVersion).toBe("2.5.0");

    // A history rewritten (a force push) and its old commits collected: compare answers 404.
    const imported = fake.refs.get("refs/heads/main") ?? "";
    const rewritten = fake.push({
      branch: "rewritten",
      files: { "apps/first-app/envs/dev/values.yaml": valuesYaml("1.6.0") },
    });
    fake.refs.set("refs/heads/main", rewritten);
    fake.store.commits.delete(imported);
    expect((await importWith(db, git)).mode).toBe("full");
    const first = await db.deploymentTarget.findFirstOrThrow({
      where: { application: { slug: "first-app" }, environment: { name: "dev" } },
    });
    expect(first.desiredVersion).toBe("1.6.0");
  });

  it("on a host without GraphQL, reads the changed applications from the commit's tarball", async () => {
    const db = await database();
    fake.push({ files: FLEET, message: "fleet" });
    const git = github();
    await importWith(db, git);
    fake.graphqlDisabled = true;
    fake.push({ files: { "apps/third-app/envs/dev/values.yaml": valuesYaml("3.9.0") } });
    let result: Awaited<ReturnType<typeof importWith>> | undefined;
    const calls = await requestsOf(async () => {
      result = await importWith(db, git);
    });
    expect(result).toMatchObject({ mode: "incremental", appsUpdated: 1 });
    expect(calls).toContain("GET /repos/{owner}/{repo}/tarball/{ref}");
    const third = await db.deploymentTarget.findFirstOrThrow({
      where: { application: { slug: "third-app" }, environment: { name: "dev" } },
    });
    expect(third.desiredVersion).toBe("3.9.0");
  });

  it("reads a history that diverged from the imported commit whole", async () => {
    const db = await database();
    const base = fake.push({ files: FLEET, message: "fleet" });
    const git = github();
    fake.push({ files: { "apps/first-app/envs/dev/values.yaml": valuesYaml("1.7.0") } });
    await importWith(db, git);
    // main is moved back to the fleet's commit and goes another way (a force push).
    fake.refs.set("refs/heads/main", base);
    fake.push({ files: { "apps/second-app/envs/dev/values.yaml": valuesYaml("2.7.0") } });
    const result = await importWith(db, git);
    expect(result.mode).toBe("full");
    const first = await db.deploymentTarget.findFirstOrThrow({
      where: { application: { slug: "first-app" }, environment: { name: "dev" } },
    });
    // The three-dot comparison would have missed that first-app went back to 1.0.0.
    expect(first.desiredVersion).toBe("1.0.0");
  });

  it("reports a file that is not UTF-8 as one located problem, as the tarball's read does", async () => {
    const db = await database();
    fake.push({ files: FLEET, message: "fleet" });
    const git = github();
    await importWith(db, git);
    const latin1 = Buffer.from(`# caf\xe9 in Latin-1\n${valuesYaml("2.2.0")}`, "latin1");
    fake.push({ files: { "apps/second-app/envs/prod/values.yaml": latin1 } });
    const calls = await requestsOf(async () => {
      const result = await importWith(db, git);
      expect(result.mode).toBe("incremental");
    });
    // GitHub's text was transcoded, so the blob's bytes came through REST.
    expect(calls).toContain("GET /repos/{owner}/{repo}/git/blobs/{file_sha}");
    expect(calls).not.toContain("GET /repos/{owner}/{repo}/tarball/{ref}");
    const latest = await db.catalogImport.findFirstOrThrow({ orderBy: { startedAt: "desc" } });
    const problems = await db.importProblem.findMany({ where: { importId: latest.id } });
    expect(problems).toEqual([
      expect.objectContaining({
        file: "apps/second-app/envs/prod/values.yaml",
        line: 1,
        column: 6,
        message: expect.stringMatching(/not valid UTF-8/),
      }),
    ]);
    // The full read through the tarball says the same.
    const full = await database();
    const whole = await importWith(full, github(), true);
    const fromTarball = await full.importProblem.findMany({ where: { importId: whole.importId } });
    expect(
      fromTarball.map(({ file, line, column, message }) => ({ file, line, column, message })),
    ).toEqual(problems.map(({ file, line, column, message }) => ({ file, line, column, message })));
  });

  it("lists trees deeper than one query nests, reads a long file through REST, and diffs cached commits with no call", async () => {
    fake.blobTextLimit = 64;
    const deep = "charts/web-service/templates/a/b/c/d/deep.yaml";
    const first = fake.push({ files: { ...FLEET, [deep]: "kind: ConfigMap\n" }, message: "fleet" });
    const git = github();
    const long = `${valuesYaml("2.3.0")}# ${"x".repeat(200)}\n`;
    const second = fake.push({ files: { "apps/second-app/envs/dev/values.yaml": long } });

    const listed = await git.listFilesUnder({ ref: second, paths: ["charts", "apps/second-app"] });
    expect(listed.map((e) => e.path)).toEqual([
      "apps/second-app/app.yaml",
      "apps/second-app/envs/dev/values.yaml",
      "apps/second-app/envs/prod/values.yaml",
      "charts/web-service/Chart.yaml",
      deep,
    ]);
    const id = listed.find((e) => e.path === "apps/second-app/envs/dev/values.yaml")?.sha ?? "";
    const before = fake.requests.length;
    expect((await git.readBlobs([id])).get(id)).toBe(long);
    expect(fake.requests.slice(before).map((r) => r.route)).toEqual([
      "POST /graphql",
      "GET /repos/{owner}/{repo}/git/blobs/{file_sha}",
    ]);

    // Both commits' snapshots here: the diff costs no call.
    await git.readFile({ ref: first, path: "environments.yaml" });
    await git.readFile({ ref: second, path: "environments.yaml" });
    const quiet = fake.requests.length;
    expect(await git.changedPaths({ from: first, to: second })).toEqual([
      "apps/second-app/envs/dev/values.yaml",
    ]);
    expect(fake.requests.length).toBe(quiet);
  });
});
