import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { z } from "zod";
import type { SyncReport } from "@/lib/sync-status/report";

const gzipAsync = promisify(gzip);

/**
 * The agent's one way to the portal: `POST <portal>/api/v1/clusters/<cluster>/reports`
 * with a gzip-compressed JSON body and the cluster's bearer token. It does
 * not retry (the reporter decides, because it merges newer state into a
 * retry); it tells the caller whether retrying can help. The token never
 * appears in an outcome or an error.
 */

export type SendOutcome =
  | { kind: "accepted"; status: number }
  /** The portal is unreachable, timed out, overloaded (429) or failing (5xx): try again later. */
  | { kind: "retry"; reason: string; retryAfterMs?: number }
  /**
   * The portal refused this report (4xx other than 429): sending it again cannot succeed.
   * `refusedItems` (indexes into the report's items) are the items the portal named as the
   * reason, when it did (422: an application or environment this cluster may not report).
   */
  | { kind: "rejected"; status: number; reason: string; refusedItems?: number[] };

export type SendReport = (report: SyncReport) => Promise<SendOutcome>;

export interface PortalClientOptions {
  /** The portal's base URL, e.g. https://gantry.example.com */
  portal: string;
  cluster: string;
  token: string;
  userAgent: string;
  timeoutMs?: number;
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1_000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The portal's 422 names the items it refused: `{ error: { details: { rejected: [{ index }] } } }`. */
const RefusalSchema = z.object({
  error: z.object({
    details: z.object({ rejected: z.array(z.object({ index: z.number().int().nonnegative() })) }),
  }),
});

function refusedItems(text: string): number[] | undefined {
  try {
    const parsed = RefusalSchema.safeParse(JSON.parse(text));
    return parsed.success
      ? parsed.data.error.details.rejected.map((item) => item.index)
      : undefined;
  } catch {
    return undefined; // not JSON: no item is named
  }
}

function excerpt(text: string): string {
  return text.replace(/\s+/g, " ").slice(0, 300);
}

export function reportsUrl(portal: string, cluster: string): string {
  const base = portal.endsWith("/") ? portal : `${portal}/`;
  return new URL(`api/v1/clusters/${encodeURIComponent(cluster)}/reports`, base).toString();
}

export function createPortalClient(options: PortalClientOptions): SendReport {
  const url = reportsUrl(options.portal, options.cluster);
  const timeoutMs = options.timeoutMs ?? 15_000;
  return async (report) => {
    const body = await gzipAsync(JSON.stringify(report));
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: {
          authorization: `Bearer ${options.token}`,
          "content-type": "application/json",
          "content-encoding": "gzip",
          "user-agent": options.userAgent,
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      const message = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
      return { kind: "retry", reason: `portal unreachable: ${message}` };
    }
    if (response.ok) {
      await response.body?.cancel();
      return { kind: "accepted", status: response.status };
    }
    const text = await response.text().catch(() => "");
    const reason = `portal answered ${response.status}: ${excerpt(text)}`;
    if (response.status === 429 || response.status >= 500) {
      const after = retryAfter(response.headers.get("retry-after"));
      return after === undefined
        ? { kind: "retry", reason }
        : { kind: "retry", reason, retryAfterMs: after };
    }
    const refused = response.status === 422 ? refusedItems(text) : undefined;
    return refused?.length
      ? { kind: "rejected", status: response.status, reason, refusedItems: refused }
      : { kind: "rejected", status: response.status, reason };
  };
}
