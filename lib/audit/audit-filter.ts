import { z } from "zod";

const AUDIT_OUTCOMES = ["success", "denied", "failure"] as const;

const name = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `${what} must not be empty`)
    .max(200, `${what} is at most 200 characters`)
    .optional();

const instant = (what: string) =>
  z
    .string()
    .trim()
    .refine((value) => value !== "" && !Number.isNaN(Date.parse(value)), {
      message: `${what} must be a date or time such as 2026-11-26 or 2026-11-26T09:30:00Z`,
    })
    .transform((value) => new Date(value))
    .optional();

const cursor = (what: string) =>
  z
    .string()
    .trim()
    .regex(/^[1-9][0-9]{0,18}$/, `${what} must be an event's sequence number (a positive integer)`)
    .transform((value) => BigInt(value))
    .optional();

/**
 * The timeline's filters, as query parameters (the /audit page's URL, the
 * export endpoint): every field optional, each bad one named in the error.
 *
 *   app, team, env   exact slugs / names
 *   actor            a person's or token's name, or an actor id (a UUID)
 *   action           exact (`promotion.deployed`) or a prefix ending in `.` or `*` (`promotion.`)
 *   outcome          success, denied or failure
 *   from, to         time range (from inclusive, to exclusive)
 *   q                free text searched in the events' details
 */
export const AuditFilterSchema = z
  .object({
    app: name("app"),
    team: name("team"),
    env: name("env"),
    actor: name("actor"),
    action: z
      .string()
      .trim()
      .regex(
        /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.|\.\*|\*)?$/,
        "action must be an action such as promotion.deployed, or a prefix such as promotion.",
      )
      .max(100, "action is at most 100 characters")
      .optional(),
    outcome: z
      .enum(AUDIT_OUTCOMES, { error: `outcome must be one of ${AUDIT_OUTCOMES.join(", ")}` })
      .optional(),
    from: instant("from"),
    to: instant("to"),
    q: z.string().trim().max(200, "q (search) is at most 200 characters").optional(),
  })
  .refine((filter) => !filter.from || !filter.to || filter.from < filter.to, {
    message: "from must be before to",
    path: ["from"],
  });

export type AuditFilter = z.output<typeof AuditFilterSchema>;

/** The timeline's page: the filters and where to start. */
const AuditPageSchema = z
  .object({
    before: cursor("before"),
    after: cursor("after"),
    limit: z.coerce
      .number({ error: "limit must be a number" })
      .int("limit must be a whole number")
      .min(1, "limit is at least 1")
      .max(200, "limit is at most 200")
      .optional(),
  })
  .refine((page) => page.before === undefined || page.after === undefined, {
    message: "give before or after, not both",
    path: ["before"],
  });

export type AuditPage = z.output<typeof AuditPageSchema>;

/** The filter's query parameters, in the order forms and links write them. */
export const AUDIT_FILTER_KEYS = [
  "app",
  "team",
  "env",
  "actor",
  "action",
  "outcome",
  "from",
  "to",
  "q",
] as const;

/**
 * Reads filters (and a page) from query parameters: empty values are unset;
 * a repeated key uses its first value. Errors name the parameter.
 */
export function parseAuditQuery(
  params: Record<string, string | string[] | undefined>,
): { ok: true; filter: AuditFilter; page: AuditPage } | { ok: false; errors: string[] } {
  const single: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined && first.trim() !== "") single[key] = first;
  }
  const filter = AuditFilterSchema.safeParse(single);
  const page = AuditPageSchema.safeParse(single);
  const errors = [
    ...(filter.success ? [] : filter.error.issues),
    ...(page.success ? [] : page.error.issues),
  ].map((issue) => {
    const field = issue.path.join(".");
    return issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`;
  });
  if (!filter.success || !page.success) return { ok: false, errors };
  return { ok: true, filter: filter.data, page: page.data };
}

/** The filters as query parameters again (for links, the export buttons). */
export function auditFilterParams(filter: AuditFilter): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of AUDIT_FILTER_KEYS) {
    const value = filter[key];
    if (value === undefined) continue;
    params.set(key, value instanceof Date ? value.toISOString() : value);
  }
  return params;
}

/** The filters as plain JSON (for the audit.exported event's detail). */
export function auditFilterJson(filter: AuditFilter): Record<string, string> {
  return Object.fromEntries(auditFilterParams(filter));
}
