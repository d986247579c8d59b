import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import { isGantryError } from "@/lib/errors";
import { logUnexpected } from "@/lib/log";
import type { PromotionContext } from "@/lib/promotion/types";

/** The catalogue re-import after a merge, as data: the merge stands whether or not it worked. */
export type CatalogueRefresh = { ok: true; commit: string } | { ok: false; error: string };

export type ImportTrigger = Parameters<typeof importCatalogue>[0]["trigger"];

/**
 * Re-imports the catalogue after a promotion merged, so it shows the new
 * desired version. A failure is returned, not thrown (a retry of the merge
 * must not be needed to fix an import), and logged with an id when unexpected.
 */
export async function reimportAfterMerge(params: {
  ctx: Pick<PromotionContext, "db" | "git" | "versionPath" | "layoutFile">;
  trigger: ImportTrigger;
}): Promise<CatalogueRefresh> {
  const { ctx, trigger } = params;
  try {
    const result = await importCatalogue({
      db: ctx.db,
      git: ctx.git,
      versionPath: ctx.versionPath,
      layoutFile: ctx.layoutFile,
      trigger,
    });
    return { ok: true, commit: result.commit };
  } catch (error) {
    return {
      ok: false,
      error: isGantryError(error)
        ? error.message
        : `the catalogue import failed (error id ${logUnexpected(error, { during: "import after merge" })})`,
    };
  }
}
