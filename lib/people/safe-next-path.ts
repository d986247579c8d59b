/**
 * The page to return to after signing in (`next=`), made safe to redirect
 * to: a path on this site, or "/". Browsers are lenient with a Location:
 * they drop tabs and newlines, read `\` as `/` and take `//host` as another
 * site, and a proxy or framework may decode `%2F` once more on the way. So
 * the value is decoded until it no longer changes, and every form it takes
 * must be a plain same-origin path; anything else — a scheme, `//`, a
 * backslash, a control character or a line break, a broken escape — gives "/".
 * The sign-in page itself also gives "/", so signing in never loops.
 */

const MAX_LENGTH = 2048;
/** Decoding layers looked through; a value still changing after these is refused. */
const MAX_DECODINGS = 4;
const ORIGIN = "http://next-path.invalid";
// Backslashes, control characters and any white space but the plain space (which browsers keep).
const UNSAFE = /[^\S ]|[\\\p{Cc}]/u;

function isPlainPath(value: string): boolean {
  if (!value.startsWith("/") || value.startsWith("//") || UNSAFE.test(value)) return false;
  const url = new URL(value, ORIGIN);
  return url.origin === ORIGIN;
}

export function safeNextPath(value: string | null | undefined): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_LENGTH) return "/";
  let form = value;
  for (let layer = 0; ; layer++) {
    if (!isPlainPath(form)) return "/";
    let decoded: string;
    try {
      decoded = decodeURIComponent(form);
    } catch {
      return "/";
    }
    if (decoded === form) break;
    if (layer === MAX_DECODINGS) return "/";
    form = decoded;
  }
  if (/^\/sign-in(?:[/?#]|$)/.test(value)) return "/";
  return value;
}
