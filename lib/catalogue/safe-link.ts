/**
 * Links come from app.yaml, which anyone with write access to the GitOps
 * repository can edit; only http and https URLs are ever rendered as links
 * (a `javascript:` or `data:` URL would run in the portal's origin).
 */
export function isSafeHref(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:";
  } catch {
    return false;
  }
}

export function safeLinks(value: unknown): { title: string; url: string; safe: boolean }[] {
  if (!Array.isArray(value)) return [];
  const links: { title: string; url: string; safe: boolean }[] = [];
  for (const item of value) {
    if (typeof item !== "object" || item === null) continue;
    const title = "title" in item && typeof item.title === "string" ? item.title : "";
    const url = "url" in item && typeof item.url === "string" ? item.url : "";
    if (!url) continue;
    links.push({ title: title || url, url, safe: isSafeHref(url) });
  }
  return links;
}
