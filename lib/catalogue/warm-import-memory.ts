import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { GitReader } from "@/lib/git/provider";
import { importSettings } from "./import-catalogue";
import { readGitopsRepo } from "./read-gitops-repo";
import { fingerprintSnapshot, type ImportMemory, sharedImportMemory } from "./written-catalogue";

/**
 * After a restart whose head was imported already (nothing to import), reads
 * that commit once into the process's memory, in the background: the stored
 * catalogue is what that commit makes, so the next merge's import reads and
 * writes only what the merge changed instead of the whole repository.
 * Returns false, doing nothing, when the latest import is not of the head
 * with these settings (then the next import is a full one anyway).
 */
export async function warmImportMemory(params: {
  db: PrismaClient;
  git: GitReader;
  versionPath: string;
  layoutFile?: string;
  memory?: ImportMemory;
}): Promise<boolean> {
  const { db, git } = params;
  const memory = params.memory ?? sharedImportMemory;
  const settings = importSettings(params.versionPath, params.layoutFile);
  const latest = await db.catalogImport.findFirst({
    where: { status: "succeeded" },
    orderBy: { finishedAt: "desc" },
    select: { id: true, commit: true, settings: true },
  });
  if (!latest?.commit || latest.settings !== settings) return false;
  if ((await git.resolveRef(git.defaultBranch)) !== latest.commit) return false;
  const snapshot = await readGitopsRepo({
    git,
    commit: latest.commit,
    versionPath: params.versionPath,
    layoutFile: params.layoutFile,
    cache: memory.parses,
  });
  // An import that ran meanwhile knows better than this read of an older state.
  if (memory.written) return false;
  memory.written = fingerprintSnapshot({ importId: latest.id, settings, snapshot, previous: null });
  return true;
}
