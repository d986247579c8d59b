import { GantryError } from "@/lib/errors";
import { nulCharacterAt } from "@/lib/http/request-sanity";
import { badRequest } from "@/lib/http/route";
import { type SyncReport, SyncReportSchema } from "@/lib/sync-status/report";

/** At most this many problems are listed; a broken agent can send thousands. */
const MAX_LISTED = 20;

/** Parses a report body: 400 naming every bad field (`items[3].health: …`). */
export function parseSyncReport(text: string): SyncReport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GantryError("bad_request", "the body is not valid JSON", { cause: error });
  }
  const nul = nulCharacterAt(json);
  if (nul) throw badRequest([`${nul}: contains a NUL character (\\u0000)`]);
  const parsed = SyncReportSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${fieldPath(issue.path)}: ${issue.message}`);
  const listed = problems.slice(0, MAX_LISTED);
  if (problems.length > listed.length) listed.push(`… and ${problems.length - listed.length} more`);
  throw badRequest(listed);
}

function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(body)";
  return path
    .map((part, index) =>
      typeof part === "number" ? `[${part}]` : `${index === 0 ? "" : "."}${String(part)}`,
    )
    .join("");
}
