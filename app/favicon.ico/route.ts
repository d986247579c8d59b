/**
 * GET /favicon.ico: browsers and tools ask for it by name whatever the page
 * links to; Gantry's icon is app/icon.svg (Next serves it at /icon.svg and
 * links it from every page), so this answers with a permanent redirect there
 * instead of a 404.
 */
export function GET(): Response {
  return new Response(null, { status: 308, headers: { Location: "/icon.svg" } });
}
