import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { GraphqlResponseError } from "@octokit/graphql";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GitHubProvider } from "@/lib/git/github/github-provider";
import { readTarball, type TarEntry } from "@/lib/git/github/tarball";
import type { FakeGitHub } from "./fake-github";
import { ALICE, providerFor, startFake } from "./support";

let fake: FakeGitHub;
let token: string;
let github: GitHubProvider;

beforeEach(async () => {
  ({ fake, token } = await startFake());
  github = providerFor(fake, { type: "token", token });
});

afterEach(async () => {
  try {
    expect(fake.problems).toEqual([]);
  } finally {
    await fake.close();
  }
});

function modeOf(commit: string, file: string): string | undefined {
  return fake.store.flatten(fake.commit(commit).tree).get(file)?.mode;
}

describe("file modes", () => {
  it("reads executables and links, and keeps their modes when it commits", async () => {
    const main = fake.push({
      files: {
        "scripts/render.sh": { content: "#!/bin/sh\necho 1\n", mode: "100755" },
        "apps/current": { content: "payments", mode: "120000" },
      },
      message: "scripts",
    });
    const tree = await github.listTree({ ref: main, recursive: true });
    expect(tree.find((e) => e.path === "scripts/render.sh")).toMatchObject({ type: "file" });
    expect(await github.readFile({ ref: main, path: "apps/current" })).toBe("payments");
    // Snapshots keep GitHub's tree ids: same modes, same bytes, same trees.
    const root = await github.listTree({ ref: main });
    const scripts = root.find((e) => e.path === "scripts");
    expect(scripts?.sha).toBe(
      fake.store.trees.get(fake.commit(main).tree)?.find((i) => i.name === "scripts")?.sha,
    );

    const branch = `gantry/scripts/${randomBytes(3).toString("hex")}`;
    await github.createBranch({ name: branch, from: main });
    const before = fake.graphqlMutations.length;
    const sha = await github.commitFiles({
      branch,
      parent: main,
      message: "Render twice",
      author: ALICE,
      files: [
        { path: "scripts/render.sh", content: "#!/bin/sh\necho 2\n" },
        { path: "apps/current", content: "search" },
        { path: "apps/payments/NOTES.md", content: "new\n" },
      ],
    });
    // GraphQL would have made them 100644: these went through the Git Data API.
    expect(fake.graphqlMutations.length).toBe(before);
    expect(modeOf(sha, "scripts/render.sh")).toBe("100755");
    expect(modeOf(sha, "apps/current")).toBe("120000");
    expect(modeOf(sha, "apps/payments/NOTES.md")).toBe("100644");
    expect(fake.files(sha).get("scripts/render.sh")).toBe("#!/bin/sh\necho 2\n");

    // A change of regular files only goes through GraphQL and leaves the others as they were.
    const next = await github.commitFiles({
      branch,
      parent: sha,
      message: "Notes",
      author: ALICE,
      files: [{ path: "apps/payments/NOTES.md", content: "newer\n" }],
    });
    expect(fake.graphqlMutations.length).toBe(before + 1);
    expect(modeOf(next, "scripts/render.sh")).toBe("100755");
  });
});

describe("snapshots", () => {
  const tarballs = () =>
    fake.requests.filter((r) => r.route === "GET /repos/{owner}/{repo}/tarball/{ref}").length;

  it("downloads a commit once for concurrent readers, and keeps only the newest commits", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "gantry-github-evict-"));
    try {
      const small = providerFor(fake, { type: "token", token }, { dataDir, maxSnapshots: 2 });
      const first = fake.refs.get("refs/heads/main") ?? "";
      const reads = await Promise.all(
        Array.from({ length: 5 }, () => small.readFile({ ref: first, path: "environments.yaml" })),
      );
      expect(new Set(reads).size).toBe(1);
      expect(tarballs()).toBe(1);

      const commits = [first];
      for (let i = 0; i < 3; i++) {
        commits.push(fake.push({ files: { "counter.txt": `${i}\n` }, message: `c${i}` }));
        expect(await small.readFile({ ref: commits.at(-1) ?? "", path: "counter.txt" })).toBe(
          `${i}\n`,
        );
      }
      expect(tarballs()).toBe(4);
      const refs = execFileSync("git", [
        `--git-dir=${path.join(ownCacheOf(dataDir), "git/snapshots.git")}`,
        "for-each-ref",
        "--format=%(refname)",
        "refs/snapshots/",
      ])
        .toString()
        .split("\n")
        .filter((line) => line !== "");
      expect(refs).toHaveLength(2);
      // The newest are still here; the first was dropped and is read again.
      await small.readFile({ ref: commits[3] ?? "", path: "counter.txt" });
      expect(tarballs()).toBe(4);
      await small.readFile({ ref: first, path: "environments.yaml" });
      expect(tarballs()).toBe(5);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("keeps what one replica reads when another on the same volume evicts and prunes", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "gantry-github-shared-"));
    try {
      const auth = { type: "token", token } as const;
      const reading = providerFor(fake, auth, { dataDir, maxSnapshots: 1 });
      const churning = providerFor(fake, auth, { dataDir, maxSnapshots: 1 });
      const held = fake.push({ files: { "held.txt": "held\n" }, message: "held" });
      expect(await reading.readFile({ ref: held, path: "held.txt" })).toBe("held\n");
      // The other replica moves through newer commits: each evicts the one before and prunes.
      for (let i = 0; i < 3; i++) {
        const sha = fake.push({ files: { "churn.txt": `${i}\n` }, message: `churn ${i}` });
        expect(await churning.readFile({ ref: sha, path: "churn.txt" })).toBe(`${i}\n`);
      }
      const downloads = tarballs();
      expect(await reading.readFile({ ref: held, path: "held.txt" })).toBe("held\n");
      expect(tarballs()).toBe(downloads);
      // One folder each.
      expect(readdirSync(repositoryCacheOf(dataDir))).toHaveLength(2);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/** Where providers on `dataDir` keep their snapshots of the fake's repository. */
function repositoryCacheOf(dataDir: string): string {
  return path.join(dataDir, `cache/github/127.0.0.1_${new URL(fake.apiUrl).port}`, "acme/gitops");
}

/** The one snapshot cache folder a single provider made under `dataDir`. */
function ownCacheOf(dataDir: string): string {
  const repo = repositoryCacheOf(dataDir);
  const [own, ...others] = readdirSync(repo);
  if (!own || others.length > 0) throw new Error(`expected one cache folder in ${repo}`);
  return path.join(repo, own);
}

describe("downloads", () => {
  it("gives a tarball longer than an API answer before it gives up", async () => {
    const slow = providerFor(
      fake,
      { type: "token", token },
      { timeoutMs: 300, downloadTimeoutMs: 20_000 },
    );
    fake.codeloadDelayMs = 1_000;
    const main = fake.refs.get("refs/heads/main") ?? "";
    expect(await slow.readFile({ ref: main, path: "environments.yaml" })).toContain("staging");
  });

  it("fails a download that breaks off, and succeeds on the next try", async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 300; i++)
      many[`apps/app-${i}/app.yaml`] = `team: ${randomBytes(24).toString("hex")}\n`;
    const head = fake.push({ files: many, message: "many" });
    fake.codeloadBreaks = true;
    await expect(github.readFile({ ref: head, path: "apps/app-1/app.yaml" })).rejects.toMatchObject(
      {
        code: "unavailable",
        system: "github",
      },
    );
    expect(await github.readFile({ ref: head, path: "apps/app-1/app.yaml" })).toBe(
      many["apps/app-1/app.yaml"],
    );
  });
});

describe("refs in URLs", () => {
  it("sends branch names with slashes and special characters segment by segment", async () => {
    const main = await github.resolveRef("main");
    const branch = `gantry/promote/pay+ments@1.2/prod-${randomBytes(2).toString("hex")}`;
    expect(await github.getBranch(branch)).toBeNull();
    await github.createBranch({ name: branch, from: main });
    expect(await github.getBranch(branch)).toBe(main);
    await expect(github.resolveRef(branch)).resolves.toBe(main);
    fake.graphqlDisabled = true;
    const sha = await github.commitFiles({
      branch,
      parent: main,
      message: "m",
      author: ALICE,
      files: [{ path: "environments.yaml", content: "environments: []\n" }],
    });
    expect(fake.refs.get(`refs/heads/${branch}`)).toBe(sha);
    const paths = fake.requests.filter((r) => r.route?.includes("{ref}")).map((r) => r.path);
    expect(paths.some((p) => p.includes("/heads/gantry/promote/pay%2Bments%401.2/prod-"))).toBe(
      true,
    );
    expect(paths.some((p) => /%2F/i.test(p))).toBe(false);

    // The fake answers an encoded slash as Enterprise Server does: not found.
    const encoded = await github.client.octokit
      .request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
        owner: "acme",
        repo: "gitops",
        ref: `heads/${branch}`,
      })
      .then(
        () => 200,
        (error: { status?: number }) => error.status,
      );
    expect(encoded).toBe(404);
  });
});

describe("GraphQL", () => {
  it("answers a document GitHub's schema refuses as GitHub does", async () => {
    const refused = await github.client.octokit
      .graphql("mutation { createCommitOnBranch(input: { nope: 1 }) { commit { oid } } }")
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(GraphqlResponseError);
    const errors = refused instanceof GraphqlResponseError ? refused.errors : [];
    const messages = (errors ?? []).map((e) => e.message).join("\n");
    expect(messages).toMatch(/"nope" is not defined by type "CreateCommitOnBranchInput"/);
    expect(messages).toMatch(/expectedHeadOid/);
    expect(fake.problems).toHaveLength(1);
    fake.problems.length = 0;
  });
});

describe("checks", () => {
  it("reads statuses and check runs past the first hundred", async () => {
    const main = fake.refs.get("refs/heads/main") ?? "";
    for (let i = 0; i < 250; i++) fake.addStatus(main, { context: `ci/${i}`, state: "success" });
    for (let i = 0; i < 130; i++) {
      fake.addCheckRun(main, { name: `run-${i}`, status: "completed", conclusion: "success" });
    }
    fake.addCheckRun(main, { name: "last", status: "completed", conclusion: "failure" });
    const summary = await github.getChecks(main);
    expect(summary.checks).toHaveLength(381);
    expect(summary.state).toBe("failure");
    expect(new Set(summary.checks.map((c) => c.name)).size).toBe(381);
    const pages = fake.requests.filter((r) => r.route?.endsWith("/check-runs"));
    expect(pages).toHaveLength(2);
  });
});

describe("the tarball reader", () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(path.join(os.tmpdir(), "gantry-archive-"));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: work,
      env: {
        ...process.env,
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_CONFIG_GLOBAL: "/dev/null",
        GIT_AUTHOR_NAME: "a",
        GIT_AUTHOR_EMAIL: "a@example.com",
        GIT_COMMITTER_NAME: "a",
        GIT_COMMITTER_EMAIL: "a@example.com",
      },
    });

  it("reads real `git archive` output: modes, links, long and unusual names, the commit id", async () => {
    git("init", "--quiet", ".");
    const deep = `${"very-long-directory-name/".repeat(6)}values.yaml`;
    const files: Record<string, string> = {
      "environments.yaml": "environments: []\n",
      "apps/ünïcode app/app.yaml": "team: t\n",
      [deep]: "image:\n  tag: 1.0.0\n",
      "empty.txt": "",
      "scripts/run.sh": "#!/bin/sh\n",
    };
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
      writeFileSync(path.join(work, file), content);
    }
    chmodSync(path.join(work, "scripts/run.sh"), 0o755);
    symlinkSync("../environments.yaml", path.join(work, "scripts/link"));
    git("add", "-A");
    git("commit", "--quiet", "-m", "fixture");
    const head = git("rev-parse", "HEAD").toString().trim();
    const archive = git(
      "archive",
      "--format=tar.gz",
      `--prefix=acme-gitops-${head.slice(0, 7)}/`,
      head,
    );

    let commit = "";
    const entries: TarEntry[] = [];
    for await (const entry of readTarball(Readable.from([archive]).pipe(createGunzip()), {
      onCommit: (sha) => {
        commit = sha;
      },
    })) {
      entries.push(entry);
    }
    expect(commit).toBe(head);
    const listing = git("ls-tree", "-r", "-z", head)
      .toString()
      .split("\0")
      .filter((line) => line !== "")
      .map((line) => {
        const [meta = "", file = ""] = line.split("\t");
        const [mode, , sha] = meta.split(" ");
        return { file, mode, sha };
      });
    const kinds = { file: "100644", executable: "100755", symlink: "120000" };
    const blobId = (content: Buffer) =>
      createHash("sha1")
        .update(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]))
        .digest("hex");
    expect(
      entries
        .map((e) => ({ file: e.path, mode: kinds[e.kind], sha: blobId(e.content) }))
        .sort((a, b) => a.file.localeCompare(b.file)),
    ).toEqual(listing.sort((a, b) => a.file.localeCompare(b.file)));
  });

  it("refuses a file over the limit with its name, and a truncated archive", async () => {
    git("init", "--quiet", ".");
    writeFileSync(path.join(work, "big.bin"), Buffer.alloc(4096, 1));
    git("add", "-A");
    git("commit", "--quiet", "-m", "big");
    const archive = git("archive", "--format=tar", "--prefix=x/", "HEAD");
    const read = async (bytes: Buffer, maxFileBytes: number) => {
      for await (const _ of readTarball(Readable.from([bytes]), { limits: { maxFileBytes } })) {
        // reading is the test
      }
    };
    await expect(read(archive, 1024)).rejects.toMatchObject({
      code: "unprocessable",
      message: expect.stringContaining("big.bin"),
    });
    await expect(read(archive.subarray(0, 2048), 10_000)).rejects.toMatchObject({
      code: "unavailable",
      message: expect.stringContaining("ended"),
    });
  });
});
