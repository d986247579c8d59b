import { type ErrorCode, GantryError } from "@/lib/errors";

/** Every error the Git layer throws on purpose is a GantryError tagged `system: "git"`. */
export function gitError(
  code: ErrorCode,
  message: string,
  options: { details?: Record<string, unknown>; cause?: unknown } = {},
): GantryError {
  return new GantryError(code, message, { system: "git", ...options });
}

const MAX_STDERR_CHARS = 600;

/**
 * Git's stderr is the most useful part of a failure, so errors carry it, but
 * it can quote remote URLs: credentials embedded in them are masked and the
 * text is bounded so an error never becomes a dump.
 */
export function sanitizeStderr(stderr: string): string {
  const masked = stderr
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, "$1***@")
    .replace(/(authorization:\s*)\S+(\s+\S+)?/gi, "$1***")
    .trim();
  return masked.length > MAX_STDERR_CHARS ? `${masked.slice(0, MAX_STDERR_CHARS)}…` : masked;
}
