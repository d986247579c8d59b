import {
  type CatalogueQuery,
  parseCatalogueQuery,
  type SearchParamsRecord,
} from "@/lib/catalogue/catalogue-query";
import {
  type CatalogueFacets,
  type CataloguePage,
  latestImportId,
  listApplications,
  listCatalogueFacets,
} from "@/lib/catalogue/list-applications";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { listEnvironmentColumns } from "@/lib/policy/list-environment-policies";
import { countDemoClusters } from "@/lib/sync-status/count-demo-clusters";

/** What /apps shows: the query it understood, a page of the version matrix, the filter choices and freezes. */
export type CataloguePageView =
  | { ok: false; errors: string[] }
  | {
      ok: true;
      query: CatalogueQuery;
      page: CataloguePage;
      facets: CatalogueFacets;
      /** Clusters played by the embedded demo feed: their sync and health are not real. */
      demoClusters: number;
      /** Frozen environments by name, with their freeze message. */
      frozen: Record<string, string>;
      /** The view is narrowed by a filter (so "nothing" means "nothing matches"). */
      filtered: boolean;
    };

/**
 * The view model of the catalogue (/apps): the URL's query validated, then
 * the page of applications with each cell's sync status, the filter choices,
 * the environments' freezes and whether any sync status comes from the demo.
 */
export async function getCataloguePage(params: {
  db: PrismaClient;
  searchParams: SearchParamsRecord;
}): Promise<CataloguePageView> {
  const parsed = parseCatalogueQuery(params.searchParams);
  if (!parsed.ok) return parsed;
  const { db } = params;
  const { query } = parsed;
  // Each read once: the import keys the kept counts, the facets and the environments
  // (with their policies, for the freeze badges), which only an import changes.
  const [importId, demoClusters] = await Promise.all([
    latestImportId(db),
    countDemoClusters({ db }),
  ]);
  const columns = await listEnvironmentColumns({ db, importId });
  const environments = columns.map(({ id, name, displayName }) => ({ id, name, displayName }));
  const [page, facets] = await Promise.all([
    listApplications({ db, query, importId, environments }),
    listCatalogueFacets({ db, importId }),
  ]);
  return {
    ok: true,
    query,
    page,
    facets,
    demoClusters,
    frozen: Object.fromEntries(columns.flatMap((e) => (e.frozen ? [[e.name, e.frozen]] : []))),
    filtered: Boolean(query.q || query.team || query.tier || query.label || query.differs),
  };
}
