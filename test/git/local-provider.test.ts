import { mkdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GantryError } from "@/lib/errors";
import { writeCommits } from "@/lib/git/local/fast-import";
import { GitCli, runGit } from "@/lib/git/local/git-cli";
import { LocalGitProvider } from "@/lib/git/local/local-provider";
import { tempDir } from "./support";

const ALICE = { name: "Alice Example", email: "alice@example.com" };
const BOB = { name: "Bob Example", email: "bob@example.com" };
const BIG = `${"0123456789abcdef".repeat(64 * 1024)}\n`; // 1 MiB: spans many pipe chunks
const MANY = 600; // above the batch size where readFiles switches to object ids

async function rejection(promise: Promise<unknown>): Promise<GantryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GantryError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

describe("LocalGitProvider", () => {
  let dataDir: string;
  let cleanup: () => Promise<void>;
  let provider: LocalGitProvider;
  let first: string;
  let second: string;

  beforeAll(async () => {
    ({ dir: dataDir, cleanup } = await tempDir());
    const gitDir = path.join(dataDir, "git", "fixture.git");
    await mkdir(path.dirname(gitDir), { recursive: true });
    await runGit(["init", "--quiet", "--bare", "--initial-branch=main", gitDir]);
    const git = new GitCli({ gitDir });
    first = await writeCommits(git, {
      branch: "main",
      commits: [
        {
          message: "First commit\n\nWith a body.",
          author: ALICE,
          date: new Date("2025-01-02T10:00:00Z"),
          changes: [
            { path: "a.txt", content: "alpha\n" },
            { path: "dir/b.txt", content: "bravo\n" },
            { path: "dir/sub/c.txt", content: "charlie – ünïcødé ✓\n" },
            { path: "dir/empty.txt", content: "" },
            { path: "big.txt", content: BIG },
            { path: 'with space/odd "name".txt', content: "quoted path\n" },
            ...Array.from({ length: MANY }, (_, i) => ({
              path: `many/file-${String(i).padStart(4, "0")}.yaml`,
              content: `index: ${i}\n`,
            })),
          ],
        },
      ],
    });
    second = await writeCommits(git, {
      branch: "main",
      commits: [
        {
          message: "Second commit",
          author: BOB,
          date: new Date("2025-01-03T11:30:00Z"),
          changes: [
            { path: "dir/b.txt", content: "bravo v2\n" },
            { path: "a.txt", content: null },
          ],
        },
      ],
    });
    provider = new LocalGitProvider({ dataDir, repository: "fixture", defaultBranch: "main" });
  });

  afterAll(async () => {
    await cleanup?.();
  });

  describe("resolveRef", () => {
    it("resolves a branch, a full SHA and a short SHA", async () => {
      expect(await provider.resolveRef("main")).toBe(second);
      expect(await provider.resolveRef(first)).toBe(first);
      expect(await provider.resolveRef(first.slice(0, 10))).toBe(first);
    });

    it("throws not_found for an unknown ref", async () => {
      const error = await rejection(provider.resolveRef("no-such-branch"));
      expect(error.code).toBe("not_found");
      expect(error.system).toBe("git");
      expect(error.message).toContain("no-such-branch");
    });

    it.each(["--upload-pack=touch /tmp/x", "main..other", "main:a.txt", "a b", "", "main\n"])(
      "refuses %j as a ref",
      async (ref) => {
        expect((await rejection(provider.resolveRef(ref))).code).toBe("bad_request");
      },
    );
  });

  describe("listTree", () => {
    it("lists the root", async () => {
      const entries = await provider.listTree({ ref: "main" });
      expect(entries.map((e) => [e.path, e.type])).toEqual([
        ["big.txt", "file"],
        ["dir", "directory"],
        ["many", "directory"],
        ["with space", "directory"],
      ]);
      expect(entries[0]?.sha).toMatch(/^[0-9a-f]{40}$/);
    });

    it("lists a directory recursively with paths from the root", async () => {
      const entries = await provider.listTree({ ref: "main", path: "dir/", recursive: true });
      expect(entries.map((e) => [e.path, e.type])).toEqual([
        ["dir/b.txt", "file"],
        ["dir/empty.txt", "file"],
        ["dir/sub", "directory"],
        ["dir/sub/c.txt", "file"],
      ]);
    });

    it("lists an older commit as it was", async () => {
      const entries = await provider.listTree({ ref: first });
      expect(entries.map((e) => e.path)).toContain("a.txt");
    });

    it("has no entries for a missing path or a file", async () => {
      expect(await provider.listTree({ ref: "main", path: "nope" })).toEqual([]);
      expect(await provider.listTree({ ref: "main", path: "big.txt" })).toEqual([]);
    });

    it("refuses paths that climb", async () => {
      expect((await rejection(provider.listTree({ ref: "main", path: "../x" }))).code).toBe(
        "bad_request",
      );
      expect((await rejection(provider.listTree({ ref: "main", path: "/etc" }))).code).toBe(
        "bad_request",
      );
    });
  });

  describe("readFile", () => {
    it("reads a file, unicode intact, at the branch and at an older commit", async () => {
      expect(await provider.readFile({ ref: "main", path: "dir/sub/c.txt" })).toBe(
        "charlie – ünïcødé ✓\n",
      );
      expect(await provider.readFile({ ref: "main", path: "dir/b.txt" })).toBe("bravo v2\n");
      expect(await provider.readFile({ ref: first, path: "dir/b.txt" })).toBe("bravo\n");
      expect(await provider.readFile({ ref: first, path: "a.txt" })).toBe("alpha\n");
      expect(await provider.readFile({ ref: "main", path: 'with space/odd "name".txt' })).toBe(
        "quoted path\n",
      );
    });

    it("returns null for a deleted or missing file and for a directory", async () => {
      expect(await provider.readFile({ ref: "main", path: "a.txt" })).toBeNull();
      expect(await provider.readFile({ ref: "main", path: "missing.txt" })).toBeNull();
      expect(await provider.readFile({ ref: "main", path: "dir" })).toBeNull();
    });

    it("reads empty and large files", async () => {
      expect(await provider.readFile({ ref: "main", path: "dir/empty.txt" })).toBe("");
      expect(await provider.readFile({ ref: "main", path: "big.txt" })).toBe(BIG);
    });

    it("throws not_found for an unknown ref rather than returning null", async () => {
      expect((await rejection(provider.readFile({ ref: "gone", path: "big.txt" }))).code).toBe(
        "not_found",
      );
    });
  });

  describe("readFiles", () => {
    it("reads a small batch, leaving out missing paths and directories", async () => {
      const files = await provider.readFiles({
        ref: "main",
        paths: ["dir/b.txt", "a.txt", "dir/empty.txt", "big.txt", "dir", "dir/b.txt"],
      });
      expect([...files.keys()].sort()).toEqual(["big.txt", "dir/b.txt", "dir/empty.txt"]);
      expect(files.get("big.txt")).toBe(BIG);
      expect(files.get("dir/empty.txt")).toBe("");
    });

    it("reads a large batch with the same result as one file at a time", async () => {
      const paths = [
        ...Array.from({ length: MANY }, (_, i) => `many/file-${String(i).padStart(4, "0")}.yaml`),
        "big.txt",
        "dir/sub/c.txt",
        "a.txt",
        "many/missing.yaml",
      ];
      const files = await provider.readFiles({ ref: "main", paths });
      expect(files.size).toBe(MANY + 2);
      expect(files.get("many/file-0599.yaml")).toBe("index: 599\n");
      expect(files.get("big.txt")).toBe(BIG);
      for (const sample of ["many/file-0000.yaml", "many/file-0321.yaml", "dir/sub/c.txt"]) {
        expect(files.get(sample)).toBe(await provider.readFile({ ref: "main", path: sample }));
      }
      const old = await provider.readFiles({ ref: first, paths });
      expect(old.get("a.txt")).toBe("alpha\n");
    });

    it("returns an empty map for no paths", async () => {
      expect((await provider.readFiles({ ref: "main", paths: [] })).size).toBe(0);
    });

    it("reads at a commit id as at the ref, and refuses an id that names no commit", async () => {
      const files = await provider.readFiles({ ref: first, paths: ["a.txt", "dir/b.txt", "dir"] });
      expect(Object.fromEntries(files)).toEqual({ "a.txt": "alpha\n", "dir/b.txt": "bravo\n" });
      const unknown = "0123456789abcdef0123456789abcdef01234567";
      expect((await rejection(provider.readFiles({ ref: unknown, paths: ["a.txt"] }))).code).toBe(
        "not_found",
      );
      // Objects that exist but are no commit: the tree of `first`, and one of its blobs.
      const [tree = "", blob = ""] = (
        await provider.git.text(["rev-parse", `${first}^{tree}`, `${first}:a.txt`])
      ).split("\n");
      for (const id of [tree, blob]) {
        expect((await rejection(provider.readFiles({ ref: id, paths: ["a.txt"] }))).code).toBe(
          "not_found",
        );
      }
    });
  });

  describe("listFilesUnder", () => {
    it("lists the files under each directory or file asked for, and nothing beside them", async () => {
      const entries = await provider.listFilesUnder({
        ref: first,
        paths: ["dir", "a.txt", "nowhere", "with space"],
      });
      expect(entries.map((e) => e.path).sort()).toEqual([
        "a.txt",
        "dir/b.txt",
        "dir/empty.txt",
        "dir/sub/c.txt",
        'with space/odd "name".txt',
      ]);
      expect(entries.every((e) => e.type === "file" && /^[0-9a-f]{40}$/.test(e.sha ?? ""))).toBe(
        true,
      );
      // A prefix of a directory's name is not that directory.
      expect(await provider.listFilesUnder({ ref: first, paths: ["di"] })).toEqual([]);
      // Paths are literal: a glob matches nothing.
      expect(await provider.listFilesUnder({ ref: first, paths: ["many/*.yaml"] })).toEqual([]);
    });
  });

  describe("changedPaths", () => {
    it("lists the paths added, changed and deleted between two commits", async () => {
      expect((await provider.changedPaths({ from: first, to: second }))?.sort()).toEqual([
        "a.txt",
        "dir/b.txt",
      ]);
      expect(await provider.changedPaths({ from: second, to: second })).toEqual([]);
    });

    it("answers null for a commit the repository does not know", async () => {
      expect(await provider.changedPaths({ from: "0".repeat(40), to: second })).toBeNull();
    });
  });

  describe("readBlobs", () => {
    it("reads blobs by object id, in small and large batches, leaving out what is not a blob", async () => {
      const tree = await provider.listTree({ ref: first, recursive: true });
      const ids = new Map(tree.map((e) => [e.path, e.sha ?? ""]));
      const small = await provider.readBlobs([ids.get("dir/b.txt") ?? "", ids.get("dir") ?? ""]);
      expect([...small.values()]).toEqual(["bravo\n"]);
      const many = tree.filter((e) => e.path.startsWith("many/")).map((e) => e.sha ?? "");
      const large = await provider.readBlobs([...many, ids.get("big.txt") ?? ""]);
      expect(large.size).toBe(MANY + 1);
      expect(large.get(ids.get("big.txt") ?? "")).toBe(BIG);
      expect((await rejection(provider.readBlobs(["main:a.txt"]))).code).toBe("bad_request");
    });
  });

  describe("listCommits", () => {
    it("lists commits newest first with their authors", async () => {
      expect(await provider.listCommits({ ref: "main" })).toEqual([
        {
          sha: second,
          subject: "Second commit",
          authorName: "Bob Example",
          authorEmail: "bob@example.com",
          authoredAt: "2025-01-03T11:30:00.000Z",
        },
        {
          sha: first,
          subject: "First commit",
          authorName: "Alice Example",
          authorEmail: "alice@example.com",
          authoredAt: "2025-01-02T10:00:00.000Z",
        },
      ]);
    });

    it("limits and filters by path", async () => {
      expect((await provider.listCommits({ ref: "main", limit: 1 })).map((c) => c.sha)).toEqual([
        second,
      ]);
      expect(
        (await provider.listCommits({ ref: "main", path: "dir/sub" })).map((c) => c.sha),
      ).toEqual([first]);
      expect(
        (await provider.listCommits({ ref: "main", path: "dir/b.txt" })).map((c) => c.sha),
      ).toEqual([second, first]);
      expect(await provider.listCommits({ ref: "main", path: "never/existed" })).toEqual([]);
    });
  });

  it("builds the portal's file URL", () => {
    expect(provider.fileUrl({ ref: second, path: "apps/payments api/values.yaml" })).toBe(
      `/repos/fixture/blob/${second}/apps/payments%20api/values.yaml`,
    );
  });

  it("reports a repository that does not exist as unavailable", async () => {
    const missing = new LocalGitProvider({ dataDir, repository: "absent", defaultBranch: "main" });
    const error = await rejection(missing.resolveRef("main"));
    expect(error.code).toBe("unavailable");
    expect(error.message).toContain("absent does not exist");
  });
});
