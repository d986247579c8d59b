import { GantryError } from "@/lib/errors";
import type { PrismaClient, PromotionState } from "@/lib/generated/prisma/client";
import type { PermissionResource } from "@/lib/identity/permissions";
import { UUID } from "@/lib/promotion/load";

/** A train and its promotions as the verbs acting on it need them. */
export interface LoadedTrain {
  id: string;
  branch: string;
  prNumber: number | null;
  headCommit: string | null;
  promotions: {
    id: string;
    application: string;
    team: string;
    environment: string;
    state: PromotionState;
  }[];
  /** Each (team, environment) the train touches, with its author: a permission is checked for each. */
  resources: (PermissionResource & { team: string; environment: string })[];
}

/** not_found for a malformed or unknown id. */
export async function loadTrain(db: PrismaClient, trainId: string): Promise<LoadedTrain> {
  const train = UUID.test(trainId)
    ? await db.train.findUnique({
        where: { id: trainId },
        select: {
          id: true,
          branch: true,
          prNumber: true,
          headCommit: true,
          requestedById: true,
          requestedByEmail: true,
          promotions: {
            orderBy: { application: { slug: "asc" } },
            select: {
              id: true,
              state: true,
              application: { select: { slug: true, team: { select: { slug: true } } } },
              toEnvironment: { select: { name: true } },
            },
          },
        },
      })
    : null;
  if (!train) throw new GantryError("not_found", `No train with id ${trainId.slice(0, 64)}`);
  const resources = new Map<string, LoadedTrain["resources"][number]>();
  for (const p of train.promotions) {
    const team = p.application.team.slug;
    const environment = p.toEnvironment.name;
    resources.set(`${team}\u0000${environment}`, {
      team,
      environment,
      authorId: train.requestedById,
      authorEmail: train.requestedByEmail,
    });
  }
  return {
    id: train.id,
    branch: train.branch,
    prNumber: train.prNumber,
    headCommit: train.headCommit,
    promotions: train.promotions.map((p) => ({
      id: p.id,
      application: p.application.slug,
      team: p.application.team.slug,
      environment: p.toEnvironment.name,
      state: p.state,
    })),
    resources: [...resources.values()],
  };
}
