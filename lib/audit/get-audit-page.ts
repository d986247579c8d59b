import { AUDIT_FILTER_KEYS, auditFilterParams, parseAuditQuery } from "@/lib/audit/audit-filter";
import { type AuditEventRow, listAuditEvents } from "@/lib/audit/list-audit-events";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { can } from "@/lib/identity/permissions";
import type { Principal } from "@/lib/identity/principal";

/** The filter form's fields as the person typed them (shown again, even when they do not parse). */
export type AuditFilterValues = Partial<Record<(typeof AUDIT_FILTER_KEYS)[number], string>>;

/** What /audit shows. */
export type AuditPageView = {
  values: AuditFilterValues;
  mayExport: boolean;
  mayVerify: boolean;
} & (
  | { ok: false; errors: string[] }
  | {
      ok: true;
      events: AuditEventRow[];
      /** The filter as a query string ("" when there is none), for the export links. */
      filterQuery: string;
      newerHref: string | null;
      olderHref: string | null;
      newestHref: string | null;
    }
);

/**
 * The view model of /audit: the URL's filter validated (each problem naming
 * its field), a page of events newest first, and the links to the pages
 * beside it by cursor.
 */
export async function getAuditPage(params: {
  db: PrismaClient;
  principal: Principal;
  searchParams: Record<string, string | string[] | undefined>;
}): Promise<AuditPageView> {
  const { principal, searchParams } = params;
  const values: AuditFilterValues = {};
  for (const field of AUDIT_FILTER_KEYS) {
    const value = searchParams[field];
    const first = Array.isArray(value) ? value[0] : value;
    if (first) values[field] = first;
  }
  const shown = {
    values,
    mayExport: can(principal, "audit:export"),
    mayVerify: can(principal, "audit:verify"),
  };
  const query = parseAuditQuery(searchParams);
  if (!query.ok) return { ...shown, ok: false, errors: query.errors };
  const page = await listAuditEvents({
    db: params.db,
    principal,
    filter: query.filter,
    page: query.page,
  });
  const filterQuery = auditFilterParams(query.filter).toString();
  const href = (cursor: Record<string, string>) => {
    const search = new URLSearchParams(filterQuery);
    for (const [key, value] of Object.entries(cursor)) search.set(key, value);
    if (query.page.limit) search.set("limit", String(query.page.limit));
    const text = search.toString();
    return `/audit${text ? `?${text}` : ""}`;
  };
  return {
    ...shown,
    ok: true,
    events: page.events,
    filterQuery,
    newerHref: page.newerCursor ? href({ after: page.newerCursor }) : null,
    olderHref: page.olderCursor ? href({ before: page.olderCursor }) : null,
    newestHref: query.page.before || query.page.after ? href({}) : null,
  };
}
