/**
 * The one error type domain code throws on purpose. `code` decides the HTTP
 * status (see `httpStatusFor`), `message` is safe to show a person, and
 * `system` names the external system that failed, when one did.
 *
 * Anything that is not a GantryError is unexpected: it is logged with an id
 * and the person sees only the id and a generic message.
 */
export type ErrorCode =
  | "bad_request"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unprocessable"
  | "rate_limited"
  | "unavailable"
  | "internal";

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export class GantryError extends Error {
  readonly code: ErrorCode;
  readonly system: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { system?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(options.system ? `${options.system}: ${message}` : message, { cause: options.cause });
    this.name = "GantryError";
    this.code = code;
    this.system = options.system;
    this.details = options.details;
  }
}

export function httpStatusFor(code: ErrorCode): number {
  return STATUS[code];
}

export function isGantryError(error: unknown): error is GantryError {
  return error instanceof GantryError;
}
