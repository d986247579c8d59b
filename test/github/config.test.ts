import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { configProblems, parseConfig } from "@/lib/config";
import { createGitProvider } from "@/lib/git";
import { GitHubProvider } from "@/lib/git/github/github-provider";

describe("GitHub configuration", () => {
  it("needs an owner and one way to authenticate, naming the variables", () => {
    expect(configProblems({ GANTRY_GIT_PROVIDER: "github" })).toEqual([
      "GANTRY_GITHUB_OWNER: required when GANTRY_GIT_PROVIDER=github",
      expect.stringMatching(/^GANTRY_GITHUB_TOKEN: required/),
    ]);
    expect(
      configProblems({
        GANTRY_GIT_PROVIDER: "github",
        GANTRY_GITHUB_OWNER: "acme",
        GANTRY_GITHUB_APP_ID: "12",
      }),
    ).toEqual([
      expect.stringMatching(/^GANTRY_GITHUB_APP_PRIVATE_KEY: required/),
      "GANTRY_GITHUB_INSTALLATION_ID: required for GitHub App authentication",
    ]);
    // The local provider needs none of it.
    expect(configProblems({})).toEqual([]);
  });

  it("never echoes a secret in a configuration error", () => {
    const found = configProblems({
      GANTRY_GIT_PROVIDER: "github",
      GANTRY_GITHUB_OWNER: "acme",
      GANTRY_GITHUB_APP_ID: "not-a-number",
      GANTRY_GITHUB_APP_PRIVATE_KEY: "-----BEGIN PRIVATE KEY-----\\nsecret-key-material",
      GANTRY_GITHUB_INSTALLATION_ID: "5",
    });
    expect(found).toEqual(["GANTRY_GITHUB_APP_ID: expected the App's numeric id"]);
    expect(found.join("\n")).not.toContain("secret-key-material");
  });

  it("reads the App key from a file, defaults the repository and API, and builds the provider", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "gantry-config-"));
    try {
      const keyFile = path.join(dir, "app.pem");
      writeFileSync(keyFile, "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n");
      const config = parseConfig({
        GANTRY_GIT_PROVIDER: "github",
        GANTRY_GITOPS_REPO: "deployments",
        GANTRY_GITHUB_OWNER: "acme",
        GANTRY_GITHUB_APP_ID: "12",
        GANTRY_GITHUB_APP_PRIVATE_KEY_FILE: keyFile,
        GANTRY_GITHUB_INSTALLATION_ID: "34",
        GANTRY_GITHUB_MERGE_METHOD: "squash",
      });
      expect(config.github).toMatchObject({
        owner: "acme",
        repository: "deployments",
        apiUrl: "https://api.github.com",
        auth: {
          type: "app",
          appId: "12",
          installationId: 34,
          privateKey: expect.stringContaining("x\n"),
        },
        mergeMethod: "squash",
        writesPerMinute: 80,
        writesPerHour: 500,
      });
      const provider = createGitProvider(config);
      expect(provider).toBeInstanceOf(GitHubProvider);
      expect(provider.pullRequestUrl(3)).toBe("https://github.com/acme/deployments/pull/3");

      expect(
        configProblems({
          GANTRY_GIT_PROVIDER: "github",
          GANTRY_GITHUB_OWNER: "acme",
          GANTRY_GITHUB_APP_ID: "12",
          GANTRY_GITHUB_APP_PRIVATE_KEY_FILE: path.join(dir, "missing.pem"),
          GANTRY_GITHUB_INSTALLATION_ID: "34",
        }),
      ).toEqual(["GANTRY_GITHUB_APP_PRIVATE_KEY_FILE: the file cannot be read"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("links to GitHub Enterprise Server's web pages, not its API", () => {
    const config = parseConfig({
      GANTRY_GIT_PROVIDER: "github",
      GANTRY_GITHUB_OWNER: "platform",
      GANTRY_GITHUB_TOKEN: "t",
      GANTRY_GITHUB_API_URL: "https://git.example.com/api/v3/",
    });
    const provider = createGitProvider(config);
    expect(provider.fileUrl({ ref: "main", path: "apps/a b/values.yaml" })).toBe(
      "https://git.example.com/platform/gitops/blob/main/apps/a%20b/values.yaml",
    );
  });
});
