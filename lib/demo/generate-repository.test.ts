import { describe, expect, it } from "vitest";
import { type DemoRepository, generateDemoRepository } from "@/lib/demo/generate-repository";
import { parseAppManifest } from "@/lib/gitops-repo/app-manifest";
import { parseEnvironments } from "@/lib/gitops-repo/environments";
import { describeLayout, isSlug } from "@/lib/gitops-repo/paths";
import { DEFAULT_POLICY } from "@/lib/gitops-repo/policy/types";
import { readVersion } from "@/lib/gitops-repo/version";

const END = new Date("2025-11-20T00:00:00Z");

/** The tree after the last commit. */
function finalFiles(repo: DemoRepository): Map<string, string> {
  const files = new Map<string, string>();
  for (const commit of repo.commits) {
    for (const change of commit.changes) {
      if (change.content === null) files.delete(change.path);
      else files.set(change.path, change.content);
    }
  }
  return files;
}

describe("generateDemoRepository", () => {
  const repo = generateDemoRepository({ apps: 420, endDate: END });
  const files = finalFiles(repo);

  it("is deterministic for a seed and differs for another", () => {
    expect(generateDemoRepository({ apps: 420, endDate: END })).toEqual(repo);
    const other = generateDemoRepository({ apps: 420, endDate: END, seed: 7 });
    expect(other.apps).not.toEqual(repo.apps);
  });

  it("keeps file contents independent of the end date", () => {
    const later = generateDemoRepository({ apps: 420, endDate: new Date("2026-03-01T00:00:00Z") });
    expect(finalFiles(later)).toEqual(files);
  });

  it("has exactly the requested apps, with valid unique names spread over the teams", () => {
    const layout = describeLayout(files.keys());
    expect(layout.problems).toEqual([]);
    expect(layout.apps.map((a) => a.slug)).toEqual(repo.apps);
    expect(new Set(repo.apps).size).toBe(420);
    expect(repo.apps.every(isSlug)).toBe(true);
    expect(repo.teams).toHaveLength(25);
  });

  it("writes files the convention's parsers accept", () => {
    const environments = parseEnvironments(
      files.get("environments.yaml") ?? "",
      "environments.yaml",
    );
    expect(environments.ok).toBe(true);
    const teams = new Set<string>();
    for (const [path, text] of files) {
      if (path.endsWith("/app.yaml")) {
        const manifest = parseAppManifest(text, path);
        if (!manifest.ok) throw new Error(`${path}: ${manifest.error.message}`);
        teams.add(manifest.value.team);
      } else if (path.startsWith("apps/") && path.endsWith("/values.yaml")) {
        const version = readVersion(text, path);
        if (!version.ok) throw new Error(`${path}: ${version.error.message}`);
      }
    }
    expect([...teams].sort()).toEqual([...repo.teams].sort());
  });

  it("gives the environments policies that need nothing of the day of the week", () => {
    const parsed = parseEnvironments(files.get("environments.yaml") ?? "", "environments.yaml");
    if (!parsed.ok) throw new Error(parsed.error.message);
    const policies = Object.fromEntries(parsed.value.environments.map((e) => [e.name, e.policy]));
    expect(policies).toEqual({
      dev: {
        ...DEFAULT_POLICY,
        autoMerge: true,
        progression: { autoPromote: "on-release", soakSeconds: 0, gate: null },
      },
      test: {
        ...DEFAULT_POLICY,
        autoMerge: true,
        progression: { autoPromote: "after-healthy", soakSeconds: 120, gate: null },
      },
      staging: {
        ...DEFAULT_POLICY,
        approvals: { required: 1, team: null },
        order: { requireDeployedInPrevious: true, requireHealthy: false },
        progression: { autoPromote: "after-healthy", soakSeconds: 300, gate: null },
      },
      prod: {
        ...DEFAULT_POLICY,
        approvals: { required: 2, team: "prod-approvers" },
        order: { requireDeployedInPrevious: true, requireHealthy: true },
        autoMerge: false,
        progression: { autoPromote: "manual", soakSeconds: 0, gate: null },
        freezes: [
          {
            kind: "range",
            from: "2027-12-24T00:00:00+01:00",
            to: "2028-01-02T08:00:00+01:00",
            reason: "Year-end freeze",
          },
        ],
      },
    });
  });

  it("writes the version each commit message announces", () => {
    const promotions = repo.commits.filter((c) =>
      /^(Promote|Release) [a-z][a-z0-9-]+ \S+ to \S+$/.test(c.message.split("\n")[0] ?? ""),
    );
    expect(promotions.length).toBeGreaterThan(3);
    for (const commit of promotions) {
      const [, app, version, environment] =
        /^(?:Promote|Release) ([a-z][a-z0-9-]+) (\S+) to (\S+)$/.exec(
          commit.message.split("\n")[0] ?? "",
        ) ?? [];
      const change = commit.changes.find(
        (c) => c.path === `apps/${app}/envs/${environment}/values.yaml`,
      );
      expect(change, commit.message).toBeDefined();
      const written = readVersion(change?.content ?? "", "values.yaml");
      expect(written).toMatchObject({ ok: true, value: version });
    }
  });

  it("uses semver mostly, with some calendar and git-sha tags", () => {
    const versions = [...files]
      .filter(([path]) => path.startsWith("apps/") && path.endsWith("/values.yaml"))
      .map(([path, text]) => {
        const version = readVersion(text, path);
        return version.ok ? version.value : "";
      });
    const semver = versions.filter((v) => /^\d+\.\d+\.\d+$/.test(v) && !/^20\d\d\./.test(v));
    const calver = versions.filter((v) => /^20\d\d\.\d{1,2}\.\d+$/.test(v));
    const sha = versions.filter((v) => /^[0-9a-f]{7}$/.test(v));
    expect(semver.length / versions.length).toBeGreaterThan(0.8);
    expect(calver.length).toBeGreaterThan(0);
    expect(sha.length).toBeGreaterThan(0);
  });

  it("soaks its after-healthy environments as long as asked (GANTRY_DEMO_SOAK_SECONDS), changing nothing else", () => {
    const short = finalFiles(generateDemoRepository({ apps: 420, endDate: END, soakSeconds: 15 }));
    const parsed = parseEnvironments(short.get("environments.yaml") ?? "", "environments.yaml");
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(
      parsed.value.environments.map((e) => [e.name, e.policy.progression.soakSeconds]),
    ).toEqual([
      ["dev", 0],
      ["test", 15],
      ["staging", 15],
      ["prod", 0],
    ]);
    for (const [path, text] of files) {
      if (path !== "environments.yaml") expect(short.get(path)).toBe(text);
    }
  });

  it("names 10,000 apps without repeating one", () => {
    const large = generateDemoRepository({ apps: 10_000, endDate: END, historyCommits: 5 });
    expect(new Set(large.apps).size).toBe(10_000);
    expect(large.apps.every(isSlug)).toBe(true);
  });
});
