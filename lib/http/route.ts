/*
 * lib/http owns the request plumbing every route shares: errors mapped to HTTP in one place, the
 * request context (id, address) and the same-origin check.
 */

import type { ZodError, ZodType } from "zod";
import { GantryError, httpStatusFor, isGantryError } from "@/lib/errors";
import { nulCharacterAt } from "@/lib/http/request-sanity";
import { logUnexpected, outageLog } from "@/lib/log";

/**
 * Wraps an App Router route handler: the one place errors become HTTP.
 * A GantryError keeps its code and message; anything else is logged with an
 * id and the client sees only the id. Responses are JSON problem objects.
 */
export function apiRoute<Context>(
  handler: (request: Request, context: Context) => Promise<Response>,
): (request: Request, context: Context) => Promise<Response> {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

export function errorResponse(error: unknown): Response {
  if (isGantryError(error)) {
    return Response.json(
      {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details ? { details: error.details } : {}),
        },
      },
      { status: httpStatusFor(error.code) },
    );
  }
  if (isDatabaseUnavailable(error)) {
    // While Postgres is down every request fails the same way: one log line per interval.
    outageLog.failing("database", "the database is not answering", { error });
    return Response.json(
      {
        error: {
          code: "unavailable",
          message: "The database is not answering; try again in a few seconds.",
          details: { failing: ["database"] },
        },
      },
      { status: 503, headers: { "retry-after": "5" } },
    );
  }
  const errorId = logUnexpected(error);
  return Response.json(
    { error: { code: "internal", message: "Something went wrong on our side.", errorId } },
    { status: 500 },
  );
}

/** Query parameters as the record the zod schemas take (repeated keys become arrays). */
export function searchParamsRecord(url: string): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const [key, value] of new URL(url).searchParams) {
    const existing = record[key];
    if (existing === undefined) record[key] = value;
    else record[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return record;
}

export function badRequest(errors: string[]): GantryError {
  return new GantryError("bad_request", errors.join("; "), { details: { errors } });
}

/** Each wrong field of a parse, named: `{ field, message }` (an unknown key: "unknown field"). */
function inputErrors(error: ZodError): { field: string; message: string }[] {
  return error.issues.map((issue) => {
    const field =
      issue.code === "unrecognized_keys" ? issue.keys.join(", ") : issue.path.join(".") || "body";
    const message = issue.code === "unrecognized_keys" ? "unknown field" : issue.message;
    return { field, message };
  });
}

/** The wrong fields of a parse in one line of words, as forms show them. */
export function inputErrorsInWords(error: ZodError): string {
  return inputErrors(error)
    .map((e) => `${e.field}: ${e.message}`)
    .join("; ");
}

/**
 * Parses a JSON body with a use case's input schema: 400 naming each wrong
 * field (`details.errors: [{ field, message }]`), or that the body is not
 * JSON. An empty body parses as `{}`.
 */
export async function parseJsonBody<T>(request: Request, schema: ZodType<T>): Promise<T> {
  const text = await request.text();
  if (text.length > 64 * 1024) throw new GantryError("bad_request", "the body is too large");
  let json: unknown = {};
  if (text.trim() !== "") {
    try {
      json = JSON.parse(text);
    } catch {
      throw new GantryError("bad_request", "the body must be a JSON object");
    }
  }
  // Postgres refuses NUL in text: say which field, instead of failing at the insert.
  const nul = nulCharacterAt(json);
  if (nul) {
    const message = "contains a NUL character (\\u0000)";
    throw new GantryError("bad_request", `${nul}: ${message}`, {
      details: { errors: [{ field: nul, message }] },
    });
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  throw new GantryError("bad_request", inputErrorsInWords(parsed.error), {
    details: { errors: inputErrors(parsed.error) },
  });
}

const UNREACHABLE_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout"]);
const UNREACHABLE_CODES = new Set([
  "P1001", // Prisma: can't reach the database server
  "P1002", // Prisma: the server was reached but timed out
  "P1017", // Prisma: the server closed the connection
  "ECONNREFUSED",
  "ECONNRESET",
  "57P01", // Postgres: terminating connection due to administrator command
  "57P03", // Postgres: the database system is starting up / shutting down
]);

/** An error that means Postgres cannot be reached now (down, restarting), not a fault in the request. */
function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== "object") return false;
    const fields = current as { code?: unknown; kind?: unknown; meta?: unknown; cause?: unknown };
    if (typeof fields.code === "string" && UNREACHABLE_CODES.has(fields.code)) return true;
    if (typeof fields.kind === "string" && UNREACHABLE_KINDS.has(fields.kind)) return true;
    const meta = fields.meta as { driverAdapterError?: { cause?: unknown } } | undefined;
    current = meta?.driverAdapterError?.cause ?? fields.cause;
  }
  return false;
}
