import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { setVersion } from "@/lib/gitops-repo/version";
import { FakeGitHub } from "./fake-github";
import { fleet } from "./github-calls";
import { providerFor } from "./support";

export interface MergeImportCalls {
  applications: number;
  /** Requests the catalogue import after a one-app merge sent (API calls and downloads). */
  requests: number;
  /** Of those, tarball downloads (codeload): none when the import reads only what changed. */
  downloads: number;
  mode: string;
  appsUpdated: number;
  /** "METHOD route" of each request, in order. */
  routes: string[];
  schemaProblems: string[];
}

/**
 * The GitHub requests of the catalogue import that follows a merge changing
 * one application's values file, at `applications` apps × 4 environments:
 * a cold import first (the tarball), then the merge (a push to main) and
 * the import the merge queues, counted where the requests arrive. Shared by
 * bench/github.ts and test/github/call-counts.test.ts.
 */
export async function measureMergeImportCalls(params: {
  db: PrismaClient;
  applications: number;
}): Promise<MergeImportCalls> {
  const token = `ghp_${randomBytes(16).toString("hex")}`;
  const fake = await FakeGitHub.start({ tokens: { [token]: "gantry" } });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "gantry-github-merge-"));
  try {
    const { files, slugs } = fleet(params.applications);
    fake.push({ files, message: "fleet" });
    const github = providerFor(fake, { type: "token", token }, { dataDir });
    const run = () =>
      importCatalogue({ db: params.db, git: github, versionPath: "image.tag", trigger: "bench" });
    await run();

    const slug = slugs[Math.floor(slugs.length / 2)] ?? "svc-00000";
    const file = `apps/${slug}/envs/prod/values.yaml`;
    const edited = setVersion(files[file] ?? "", "image.tag", "1.1.0", file);
    if (!edited.ok) throw new Error(edited.error.message);
    fake.push({ files: { [file]: edited.text }, message: `Promote ${slug} to prod` });

    const before = fake.requests.length;
    const imported = await run();
    const requests = fake.requests.slice(before);
    return {
      applications: params.applications,
      requests: requests.length,
      downloads: requests.filter((r) => r.route?.startsWith("GET codeload")).length,
      mode: imported.mode,
      appsUpdated: imported.appsUpdated,
      routes: requests.map((r) => r.route ?? `${r.method} ${r.path}`),
      schemaProblems: [...fake.problems],
    };
  } finally {
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
