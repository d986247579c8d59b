import type { Prisma } from "@/lib/generated/prisma/client";
import { type ApprovalsRow, approvalsOf, approvalsSelect } from "@/lib/promotion/approval-standing";

type Reader = Pick<Prisma.TransactionClient, "promotion">;

/** One thing still missing, and the applications of the train it holds back. */
export interface TrainBlocker {
  blocker: string;
  applications: string[];
}

/** Where a train stands against every policy that applies to its applications. */
export interface TrainStanding {
  /** True when each application's policy is met: the train may merge. */
  satisfied: boolean;
  /** The union of what each application's policy still asks for, grouped by what is missing. */
  blockers: TrainBlocker[];
  /** Per application, for the train's page. */
  applications: { application: string; satisfied: boolean; counted: number; required: number }[];
}

/**
 * The union of the policies that apply to a train: each promotion's own
 * approval standing (its environment's policy, its kind, its author), all
 * of which must be met. What is missing is grouped, so "needs 1 more
 * approval from prod-approvers" reads once with the applications it holds
 * back, not 400 times.
 */
export async function trainStanding(params: {
  db: Reader;
  trainId: string;
  /** The pull request's head as the host shows it now, when known. */
  liveHead?: string | null;
}): Promise<TrainStanding> {
  const rows = await params.db.promotion.findMany({
    where: { trainId: params.trainId, state: { in: ["planned", "pr_open", "approved"] } },
    select: { ...approvalsSelect, application: { select: { slug: true } } },
    orderBy: { application: { slug: "asc" } },
  });
  return standingOf(rows, params.liveHead ?? null);
}

function standingOf(
  rows: readonly (ApprovalsRow & { application: { slug: string } })[],
  liveHead: string | null,
): TrainStanding {
  const blockers = new Map<string, string[]>();
  const applications: TrainStanding["applications"] = [];
  for (const row of rows) {
    const { standing } = approvalsOf(row, liveHead);
    applications.push({
      application: row.application.slug,
      satisfied: standing.satisfied,
      counted: standing.counted,
      required: standing.required,
    });
    for (const blocker of standing.blockers) {
      blockers.set(blocker, [...(blockers.get(blocker) ?? []), row.application.slug]);
    }
  }
  return {
    satisfied: rows.length > 0 && applications.every((a) => a.satisfied),
    blockers: [...blockers].map(([blocker, apps]) => ({ blocker, applications: apps })),
    applications,
  };
}

/** "needs 1 more approval (app-1, app-2 and 3 more)". */
export function blockersInWords(blockers: readonly TrainBlocker[]): string {
  return blockers
    .map(({ blocker, applications }) => {
      const named = applications.slice(0, 3).join(", ");
      const more = applications.length > 3 ? ` and ${applications.length - 3} more` : "";
      return `${blocker} (${named}${more})`;
    })
    .join("; ");
}
