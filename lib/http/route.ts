/*
 * lib/http owns the request plumbing every route shares: errors mapped to HTTP in one place, the
 * request context (id, address) and the same-origin check.
 */

import { GantryError, httpStatusFor, isGantryError } from "@/lib/errors";
import { logUnexpected } from "@/lib/log";

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

function errorResponse(error: unknown): Response {
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
