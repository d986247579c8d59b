"use client";

import "./globals.css";

export default function GlobalError({ error }: { error: Error & { digest?: string } }) {
  return (
    <html lang="en">
      <body className="bg-slate-50 font-sans text-slate-900">
        <div role="alert" className="mx-auto max-w-xl py-16 text-center">
          <h1 className="text-2xl font-semibold">Gantry is unavailable</h1>
          <p className="mt-2 text-slate-600">
            The portal could not render. Please try again in a moment.
          </p>
          {error.digest ? (
            <p className="mt-4 text-sm">
              Error id: <code className="font-mono">{error.digest}</code>
            </p>
          ) : null}
        </div>
      </body>
    </html>
  );
}
