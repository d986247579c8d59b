import { z } from "zod";
import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import { describeLocator, versionLocatorSchema } from "@/lib/gitops-repo/locator";
import { DiscoverySummary } from "./discovery-summary";

/** Cells per page of the report: a page reads this many rows whatever the fleet. */
const PAGE_SIZE = 50;
/** Skipped files listed; the rest are counted ("and N more"). */
const MAX_SKIPPED = 200;

/** The /imports page's search parameters: a filter on the cells and the page of them. */
const ImportReportQuery = z.strictObject(
  {
    app: z.string().trim().max(200, "must be at most 200 characters").optional(),
    env: z.string().trim().max(100, "must be at most 100 characters").optional(),
    page: z.coerce
      .number({ error: "must be a page number" })
      .int("must be a whole number")
      .min(1, "must be 1 or more")
      .max(100_000, "must be at most 100000")
      .default(1),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown parameter ${issue.keys.join(", ")}; the parameters are app, env and page`
        : undefined,
  },
);
type ImportReportQuery = z.output<typeof ImportReportQuery>;

export interface ImportReportCell {
  app: string;
  appName: string;
  environment: string;
  version: string | null;
  /** The first locator's file: the one that decides the version. */
  file: string;
  /** Each locator as `layout check` prints it: `overlays/dev/kustomization.yaml → images[name=…]`. */
  locators: string[];
}

interface ImportReportSkipped {
  app: string | null;
  file: string;
  line: number | null;
  column: number | null;
  reason: string;
}

export interface ImportReport {
  /** The import the catalogue is at (the latest that succeeded); null before the first. */
  import: { id: string; commit: string | null; finishedAt: Date | null } | null;
  /** What its rules found; null for an import made before this was recorded. */
  discovery: DiscoverySummary | null;
  environments: { name: string; displayName: string }[];
  cells: {
    rows: ImportReportCell[];
    /** Cells matching the filter. */
    total: number;
    page: number;
    pageSize: number;
    pageCount: number;
  };
  skipped: { rows: ImportReportSkipped[]; total: number };
}

/**
 * What the rules discovered at the last import, as `layout check` prints it:
 * each rule with its apps and cells, a page of the cells (app, environment,
 * file and locators) filtered by app and environment in the database, and the
 * files the import skipped with why. Cheap at 10,000 apps: one page of rows,
 * two counts, and at most MAX_SKIPPED problems.
 */
export async function getImportReport(params: {
  db: PrismaClient;
  searchParams: Record<string, string | string[] | undefined>;
}): Promise<
  { ok: false; errors: string[] } | { ok: true; query: ImportReportQuery; report: ImportReport }
> {
  const present = Object.fromEntries(
    Object.entries(params.searchParams).filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = ImportReportQuery.safeParse(present);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) =>
        issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message,
      ),
    };
  }
  const query = parsed.data;
  return { ok: true, query, report: await readReport(params.db, query) };
}

/** The link to another page of the cells, with the same filter. */
export function importReportHref(query: ImportReportQuery, page: number): string {
  const search = new URLSearchParams();
  if (query.app) search.set("app", query.app);
  if (query.env) search.set("env", query.env);
  if (page > 1) search.set("page", String(page));
  const text = search.toString();
  return `/imports${text ? `?${text}` : ""}#cells`;
}

async function readReport(db: PrismaClient, query: ImportReportQuery): Promise<ImportReport> {
  const latest = await db.catalogImport.findFirst({
    where: { status: "succeeded" },
    orderBy: { finishedAt: "desc" },
    select: { id: true, commit: true, finishedAt: true, discovery: true },
  });
  const environments = await db.environment.findMany({
    where: { archivedAt: null },
    orderBy: { position: "asc" },
    select: { name: true, displayName: true },
  });
  const empty = { rows: [], total: 0, page: 1, pageSize: PAGE_SIZE, pageCount: 1 };
  if (!latest) {
    return {
      import: null,
      discovery: null,
      environments,
      cells: empty,
      skipped: { rows: [], total: 0 },
    };
  }
  const discovery = DiscoverySummary.safeParse(latest.discovery);

  const conditions = [Prisma.sql`t."archivedAt" IS NULL`, Prisma.sql`a."archivedAt" IS NULL`];
  if (query.app) {
    const like = `%${query.app.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(Prisma.sql`(a."slug" ILIKE ${like} OR a."name" ILIKE ${like})`);
  }
  if (query.env) conditions.push(Prisma.sql`e."name" = ${query.env}`);
  const where = Prisma.join(conditions, " AND ");
  const from = Prisma.sql`"DeploymentTarget" t
    JOIN "Application" a ON a."id" = t."applicationId"
    JOIN "Environment" e ON e."id" = t."environmentId"`;
  const [counted] = await db.$queryRaw<{ total: bigint }[]>`
    SELECT count(*) AS total FROM ${from} WHERE ${where}`;
  const total = Number(counted?.total ?? 0);
  const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const page = Math.min(query.page, pageCount);
  const rows = await db.$queryRaw<
    {
      slug: string;
      name: string;
      environment: string;
      version: string | null;
      file: string;
      locators: unknown;
    }[]
  >`
    SELECT a."slug", a."name", e."name" AS environment, t."desiredVersion" AS version,
      t."valuesPath" AS file, t."locators"
    FROM ${from} WHERE ${where}
    ORDER BY a."slug", e."position"
    LIMIT ${PAGE_SIZE} OFFSET ${(page - 1) * PAGE_SIZE}`;

  const [skipped, skippedTotal] = await Promise.all([
    db.importProblem.findMany({
      where: { importId: latest.id },
      orderBy: [{ file: "asc" }, { line: "asc" }, { id: "asc" }],
      take: MAX_SKIPPED,
      select: { applicationSlug: true, file: true, line: true, column: true, message: true },
    }),
    db.importProblem.count({ where: { importId: latest.id } }),
  ]);

  return {
    import: { id: latest.id, commit: latest.commit, finishedAt: latest.finishedAt },
    discovery: discovery.success ? discovery.data : null,
    environments,
    cells: {
      rows: rows.map((row) => ({
        app: row.slug,
        appName: row.name,
        environment: row.environment,
        version: row.version,
        file: row.file,
        locators: describeStored(row.locators, row.file),
      })),
      total,
      page,
      pageSize: PAGE_SIZE,
      pageCount,
    },
    skipped: {
      rows: skipped.map((p) => ({
        app: p.applicationSlug,
        file: p.file,
        line: p.line,
        column: p.column,
        reason: p.message,
      })),
      total: skippedTotal,
    },
  };
}

/** Stored locators as `layout check` prints them; a row imported before locators is its values file. */
function describeStored(stored: unknown, file: string): string[] {
  const parsed = z.array(versionLocatorSchema).safeParse(stored);
  if (!parsed.success || parsed.data.length === 0) return [file];
  return parsed.data.map(describeLocator);
}
