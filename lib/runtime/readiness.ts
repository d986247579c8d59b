import fs from "node:fs/promises";
import path from "node:path";
import type { GantryConfig } from "@/lib/config";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { bareRepositoryPath } from "@/lib/git/local/repository-path";
import { jobQueueHealth } from "@/lib/jobs/queue-health";

type ReadinessPart = "database" | "jobs" | "git";

export interface Readiness {
  ready: boolean;
  /** The parts that fail, in a fixed order. */
  failing: ReadinessPart[];
  checks: Record<ReadinessPart, { ok: boolean; message: string }>;
}

/**
 * Whether this process can do its work now: the database answers, the job
 * queue runs without errors, the GitOps repository is there. Cheap enough for
 * a probe every few seconds: no call to GitHub (its rate limit is not spent
 * on probes; GitHub failures show on the pages and in /metrics).
 */
export async function checkReadiness(params: {
  db: PrismaClient;
  config: GantryConfig;
  timeoutMs?: number;
}): Promise<Readiness> {
  const timeoutMs = params.timeoutMs ?? 2000;
  const [database, git] = await Promise.all([
    withTimeout(
      params.db.$queryRaw`SELECT 1`.then(() => "answers"),
      timeoutMs,
      "does not answer",
    ),
    checkGit(params.config),
  ]);
  const checks: Readiness["checks"] = { database, jobs: jobQueueHealth(), git };
  const failing = (Object.keys(checks) as ReadinessPart[]).filter((part) => !checks[part].ok);
  return { ready: failing.length === 0, failing, checks };
}

async function checkGit(config: GantryConfig): Promise<{ ok: boolean; message: string }> {
  if (config.git.provider !== "local") return { ok: true, message: "GitHub (not probed)" };
  const gitDir = bareRepositoryPath(config.dataDir, config.git.repository);
  try {
    await fs.access(path.join(gitDir, "HEAD"));
    await fs.access(path.join(gitDir, "objects"));
    return { ok: true, message: "local repository present" };
  } catch {
    return { ok: false, message: `the local repository ${config.git.repository} cannot be read` };
  }
}

async function withTimeout(
  work: Promise<string>,
  ms: number,
  timeoutMessage: string,
): Promise<{ ok: boolean; message: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<{ ok: false; message: string }>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, message: `${timeoutMessage} within ${ms} ms` }),
      ms,
    );
  });
  try {
    return await Promise.race([
      work.then(
        (message) => ({ ok: true, message }),
        () => ({ ok: false, message: "cannot be reached" }),
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
