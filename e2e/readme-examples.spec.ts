import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test } from "@playwright/test";
import { e2eDataDir } from "./support/auth";
import { e2ePorts } from "./support/ports";

/**
 * The README cannot drift: every shell example in it (a fenced `sh`, `bash`
 * or `shell` block) is preceded by `<!-- readme-example: run -->`, and is run
 * here as written against the suite's portal, or by
 * `<!-- readme-example: not run (why) -->`. A block with neither fails.
 * `127.0.0.1:3000` in an example means the suite's portal, and commands
 * (`npm run gantry -- …`) use its data directory.
 */
const root = path.resolve(import.meta.dirname, "..");
const run = promisify(execFile);
const SHELL = new Set(["sh", "bash", "shell"]);
const MARK = /^<!--\s*readme-example:\s*(run|not run \((.+)\))\s*-->$/;

type Example = { line: number; body: string; run: boolean; reason?: string };

/** The README's shell examples with their marks; throws naming any unmarked one. */
function readmeExamples(markdown: string): Example[] {
  const lines = markdown.split("\n");
  const examples: Example[] = [];
  const unmarked: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\S*)\s*$/.exec(lines[i] ?? "");
    if (!fence) continue;
    const end = lines.findIndex((line, j) => j > i && line.startsWith("```"));
    if (end < 0) throw new Error(`README.md:${i + 1}: a code block that never ends`);
    if (SHELL.has(fence[1] ?? "")) {
      // The mark is the nearest non-blank line above the block.
      let above = i - 1;
      while (above >= 0 && (lines[above] ?? "").trim() === "") above--;
      const mark = MARK.exec((lines[above] ?? "").trim());
      const body = lines.slice(i + 1, end).join("\n");
      if (!mark) unmarked.push(i + 1);
      else if (mark[1] === "run") examples.push({ line: i + 1, body, run: true });
      else examples.push({ line: i + 1, body, run: false, reason: mark[2] });
    }
    i = end;
  }
  if (unmarked.length > 0) {
    throw new Error(
      `README.md: shell examples without a readme-example mark at line(s) ${unmarked.join(", ")}`,
    );
  }
  return examples;
}

test("the README's extractor finds every example and refuses an unmarked one", () => {
  const examples = readmeExamples(
    [
      "<!-- readme-example: run -->",
      "```sh",
      "echo one",
      "```",
      "",
      "<!-- readme-example: not run (needs a cluster) -->",
      "",
      "```bash",
      "kubectl apply",
      "```",
      "```yaml",
      "not: an example",
      "```",
    ].join("\n"),
  );
  expect(examples).toEqual([
    { line: 2, body: "echo one", run: true },
    { line: 8, body: "kubectl apply", run: false, reason: "needs a cluster" },
  ]);
  expect(() => readmeExamples("Text\n\n```sh\nnpm start\n```\n")).toThrow(/line\(s\) 3/);
});

// An unmarked example fails this spec's first test, not the collection of the whole e2e suite.
let unmarked: string | null = null;
let examples: Example[] = [];
try {
  examples = readmeExamples(fs.readFileSync(path.join(root, "README.md"), "utf8"));
} catch (error) {
  unmarked = error instanceof Error ? error.message : String(error);
}

test("every README example is marked, and some are run", () => {
  expect(unmarked).toBeNull();
  expect(examples.filter((example) => example.run).length).toBeGreaterThan(0);
  for (const example of examples.filter((e) => !e.run)) {
    expect(example.reason, `README.md:${example.line}`).toMatch(/\S/);
  }
});

for (const example of examples.filter((e) => e.run)) {
  test(`README.md:${example.line} runs as written`, async () => {
    test.setTimeout(180_000);
    const { port, postgresPort } = e2ePorts();
    const before = new Set(fs.readdirSync(root));
    const script = example.body.replaceAll("127.0.0.1:3000", `127.0.0.1:${port}`);
    try {
      const { stdout } = await run("bash", ["-euo", "pipefail", "-c", script], {
        cwd: root,
        env: {
          ...process.env,
          GANTRY_DATA_DIR: e2eDataDir,
          GANTRY_EMBEDDED_POSTGRES_PORT: String(postgresPort),
          PORT: String(port),
          DATABASE_URL: "",
          GANTRY_LOG_LEVEL: "warn",
        },
        timeout: 170_000,
      });
      expect(stdout).toMatch(/\S/);
    } catch (error) {
      const output = (name: "stdout" | "stderr"): string => {
        if (typeof error !== "object" || error === null) return "";
        const value: unknown = Reflect.get(error, name);
        return typeof value === "string" ? value : "";
      };
      throw new Error(
        `README.md:${example.line} failed:\n${script}\n--- stdout\n${output("stdout")}\n--- stderr\n${output("stderr") || String(error)}`,
      );
    } finally {
      // What an example wrote into the checkout (a backup file) does not stay.
      for (const entry of fs.readdirSync(root)) {
        if (!before.has(entry)) fs.rmSync(path.join(root, entry), { recursive: true, force: true });
      }
    }
  });
}
