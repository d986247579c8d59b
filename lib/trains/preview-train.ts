import { z } from "zod";
import { isGantryError } from "@/lib/errors";
import type { Principal } from "@/lib/identity/principal";
import type { PromotionContext } from "@/lib/promotion/types";
import { planTrain, type TrainApprovalRule } from "@/lib/trains/plan-train";
import {
  selectionInWords,
  selectTrainApplications,
  TrainSelection,
} from "@/lib/trains/select-train-applications";
import type { TrainProblem } from "@/lib/trains/types";

type SearchParams = Record<string, string | string[] | undefined>;

const first = (value: string | string[] | undefined) =>
  (Array.isArray(value) ? value[0] : value)?.trim() || undefined;

/** One application of the preview: its change, grouped under it. */
interface TrainPreviewItem {
  application: string;
  previousVersion: string;
  version: string;
  valuesPath: string;
  diff: string;
}

/** What /trains/new shows: the selection it understood and the combined change, app by app. */
export type TrainPreviewView =
  | { kind: "empty" }
  | { kind: "invalid"; errors: string[] }
  | {
      kind: "plan";
      environment: string;
      selection: TrainSelection;
      selectionWords: string;
      baseCommit: string;
      items: TrainPreviewItem[];
      problems: TrainProblem[];
      approvals: TrainApprovalRule[];
    };

/**
 * The view model of the train's plan page: the URL's environment and
 * selection (team, label, q, differsFrom) validated, then every selected
 * application planned at one commit, without changing anything. A
 * selection that names nothing, or that cannot be read, is shown as such.
 */
export async function previewTrain(params: {
  ctx: Pick<PromotionContext, "db" | "git" | "versionPath" | "layoutFile">;
  principal: Principal;
  searchParams: SearchParams;
}): Promise<TrainPreviewView> {
  const { searchParams: sp } = params;
  const environment = first(sp.env);
  const raw = {
    team: first(sp.team),
    label: first(sp.label),
    q: first(sp.q),
    differsFrom: first(sp.differsFrom),
  };
  if (environment === undefined && Object.values(raw).every((v) => v === undefined)) {
    return { kind: "empty" };
  }
  const parsed = z
    .object({ environment: z.string({ error: "env: choose the target environment" }).max(63) })
    .safeParse({ environment });
  const selection = TrainSelection.safeParse(
    Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)),
  );
  if (!parsed.success || !selection.success) {
    return {
      kind: "invalid",
      errors: [
        ...(parsed.success ? [] : parsed.error.issues.map((i) => i.message)),
        ...(selection.success ? [] : selection.error.issues.map((i) => i.message)),
      ],
    };
  }
  try {
    const applications = await selectTrainApplications({
      db: params.ctx.db,
      selection: selection.data,
      environment: parsed.data.environment,
    });
    const plan = await planTrain({
      ctx: params.ctx,
      principal: params.principal,
      applications,
      environment: parsed.data.environment,
    });
    return {
      kind: "plan",
      environment: plan.environment,
      selection: selection.data,
      selectionWords: selectionInWords(selection.data, plan.environment),
      baseCommit: plan.baseCommit,
      items: plan.items.map((item) => ({
        application: item.application,
        previousVersion: item.plan.currentVersion,
        version: item.plan.version,
        valuesPath: item.plan.valuesPath,
        diff: item.plan.diff,
      })),
      problems: plan.problems,
      approvals: plan.approvals,
    };
  } catch (error) {
    if (isGantryError(error)) return { kind: "invalid", errors: [error.message] };
    throw error;
  }
}
