import { z } from "zod";
import { GantryError } from "@/lib/errors";
import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";

/** The most applications one train may carry: one pull request a person can still review. */
const MAX_TRAIN_APPLICATIONS = 1_000;

const slug = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-_]{0,62}$/, "expected a slug (lower-case letters, digits, - and _)");

/**
 * Which applications a train carries: any mix of a team, a label, search
 * text, the version-matrix difference ("everything that differs between
 * staging and the target") and named applications. The filters narrow
 * each other; named applications are taken as they are.
 */
export const TrainSelection = z
  .strictObject({
    team: slug.optional(),
    label: z
      .string()
      .trim()
      .regex(/^[^=\s]{1,63}=[^=]{1,200}$/, "label: expected key=value")
      .optional(),
    q: z.string().trim().min(1).max(100, "q: at most 100 characters").optional(),
    /** Applications whose version in this environment differs from the target's. */
    differsFrom: slug.optional(),
    apps: z
      .array(slug)
      .min(1)
      .max(MAX_TRAIN_APPLICATIONS, `apps: at most ${MAX_TRAIN_APPLICATIONS}`)
      .optional(),
  })
  .refine(
    (s) =>
      s.team !== undefined ||
      s.label !== undefined ||
      s.q !== undefined ||
      s.differsFrom !== undefined ||
      s.apps !== undefined,
    { message: "say which applications: a team, a label, search text, differsFrom or apps" },
  );
export type TrainSelection = z.infer<typeof TrainSelection>;

/** The selection in words, for the train's page and its pull request. */
export function selectionInWords(selection: TrainSelection, environment: string): string {
  const parts: string[] = [];
  if (selection.apps) parts.push(`${selection.apps.length} named applications`);
  if (selection.team) parts.push(`team ${selection.team}`);
  if (selection.label) parts.push(`label ${selection.label}`);
  if (selection.q) parts.push(`matching "${selection.q}"`);
  if (selection.differsFrom) {
    parts.push(`everything that differs between ${selection.differsFrom} and ${environment}`);
  }
  return parts.join(", ");
}

/**
 * The slugs of the applications `selection` names, by name, not archived.
 * Refuses a selection that names nothing, an unknown environment or
 * application, and one larger than a train may be.
 */
export async function selectTrainApplications(params: {
  db: PrismaClient;
  selection: TrainSelection;
  environment: string;
}): Promise<string[]> {
  const { db, selection } = params;
  const where: Prisma.ApplicationWhereInput = { archivedAt: null };
  if (selection.team) where.team = { slug: selection.team };
  if (selection.label) {
    const [key, value] = selection.label.split("=") as [string, string];
    where.labels = { some: { key, value } };
  }
  if (selection.q) {
    where.OR = [
      { slug: { contains: selection.q, mode: "insensitive" } },
      { name: { contains: selection.q, mode: "insensitive" } },
      { description: { contains: selection.q, mode: "insensitive" } },
    ];
  }
  if (selection.apps) where.slug = { in: selection.apps };
  const rows = await db.application.findMany({
    where,
    select: {
      slug: true,
      targets: {
        where: {
          archivedAt: null,
          environment: {
            name: {
              in: [params.environment, ...(selection.differsFrom ? [selection.differsFrom] : [])],
            },
          },
        },
        select: { desiredVersion: true, environment: { select: { name: true } } },
      },
    },
    orderBy: { slug: "asc" },
    take: MAX_TRAIN_APPLICATIONS + 1,
  });
  if (selection.apps) {
    const found = new Set(rows.map((row) => row.slug));
    const missing = selection.apps.filter((app) => !found.has(app));
    if (missing.length > 0) {
      throw new GantryError(
        "not_found",
        `no application named ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ` and ${missing.length - 10} more` : ""}`,
        { details: { field: "apps" } },
      );
    }
  }
  if (selection.differsFrom) {
    await assertEnvironment(db, selection.differsFrom, "differsFrom");
  }
  const selected = selection.differsFrom
    ? rows.filter((row) => {
        const version = (name: string) =>
          row.targets.find((t) => t.environment.name === name)?.desiredVersion;
        const from = version(selection.differsFrom as string);
        const to = version(params.environment);
        return from && to !== undefined && from !== to;
      })
    : rows;
  if (selected.length > MAX_TRAIN_APPLICATIONS) {
    throw new GantryError(
      "bad_request",
      `the selection holds more than ${MAX_TRAIN_APPLICATIONS} applications; narrow it (a team, a label)`,
      { details: { field: "selection" } },
    );
  }
  if (selected.length === 0) {
    throw new GantryError("unprocessable", "the selection holds no application to promote", {
      details: { field: "selection" },
    });
  }
  return selected.map((row) => row.slug);
}

async function assertEnvironment(db: PrismaClient, name: string, field: string): Promise<void> {
  const row = await db.environment.findFirst({
    where: { name, archivedAt: null },
    select: { id: true },
  });
  if (!row) {
    throw new GantryError("not_found", `${field}: no environment named "${name}"`, {
      details: { field },
    });
  }
}
