/**
 * What a request must be before Gantry's code or Next's own parsing sees it,
 * so that malformed input is a 400 or 413 naming the problem, never a 500
 * from deep inside a parser or from Postgres (which refuses NUL bytes):
 *
 * - every percent-escape of the path and the query decodes, and nothing
 *   decodes to a NUL byte;
 * - a server-action call (a POST with `Next-Action`) names an action id of
 *   the form Next makes, has a body type Next's forms send, and declares a
 *   length within SERVER_ACTION_BODY_LIMIT (next.config.js holds the same).
 */

/** The body limit of server actions; next.config.js's serverActions.bodySizeLimit says the same. */
export const SERVER_ACTION_BODY_LIMIT = 1024 * 1024;
const ACTION_ID = /^[0-9a-f]{40,128}$/i;
const ACTION_CONTENT_TYPES = [
  "multipart/form-data",
  "application/x-www-form-urlencoded",
  "text/plain",
];

export interface RequestProblem {
  status: 400 | 413;
  message: string;
}

function decodeProblem(part: string, where: string): RequestProblem | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(part.replace(/\+/g, " "));
  } catch {
    return { status: 400, message: `the ${where} has a malformed percent-escape (like % alone)` };
  }
  if (decoded.includes("\0")) {
    return { status: 400, message: `the ${where} contains a NUL character (%00)` };
  }
  return null;
}

export function requestProblem(request: {
  method: string;
  /** As it came, still percent-encoded. */
  pathname: string;
  /** `?…` as it came, or "". */
  search: string;
  headers: Headers;
}): RequestProblem | null {
  const inPath = decodeProblem(request.pathname, "path");
  if (inPath) return inPath;
  for (const pair of request.search.replace(/^\?/, "").split("&")) {
    const problem = decodeProblem(pair, "query");
    if (problem) return problem;
  }
  const action = request.headers.get("next-action");
  if (action === null || request.method.toUpperCase() !== "POST") return null;
  if (!ACTION_ID.test(action)) {
    return { status: 400, message: "the Next-Action header is not a server action id" };
  }
  const type = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (!type || !ACTION_CONTENT_TYPES.includes(type)) {
    return {
      status: 400,
      message: `a server action takes ${ACTION_CONTENT_TYPES.join(", ")}, not ${type || "no content type"}`,
    };
  }
  const length = request.headers.get("content-length");
  if (length === null || !/^\d{1,15}$/.test(length)) {
    return { status: 400, message: "a server action needs a Content-Length" };
  }
  if (Number(length) > SERVER_ACTION_BODY_LIMIT) {
    return {
      status: 413,
      message: `the body is larger than ${SERVER_ACTION_BODY_LIMIT / 1024 / 1024} MB`,
    };
  }
  return null;
}

/**
 * Where a parsed JSON body holds a NUL character (in a string or a key), as
 * `field.path`, or null. Postgres stores no NUL in text; refusing it at the
 * edge names the field instead of failing the write.
 */
export function nulCharacterAt(value: unknown, path: string[] = []): string | null {
  if (typeof value === "string") return value.includes("\0") ? path.join(".") || "body" : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = nulCharacterAt(item, [...path, String(index)]);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes("\0")) return [...path, "(a key)"].join(".");
      const found = nulCharacterAt(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}
