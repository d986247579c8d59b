"use client";

import { Button } from "@/components/ui/button";

/**
 * Shown when a page fails unexpectedly. Next.js strips the message of
 * server errors in production and gives a digest instead: that digest is the
 * id in the server log, which is all a person needs to report it.
 */
export default function ErrorPage({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <div role="alert" className="mx-auto max-w-xl py-16 text-center">
      <h1 className="text-2xl font-semibold">Something went wrong</h1>
      <p className="mt-2 text-slate-600">
        Gantry could not show this page. Nothing you asked for was changed.
      </p>
      {error.digest ? (
        <p className="mt-4 text-sm text-slate-600">
          Error id:{" "}
          <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono">{error.digest}</code>
        </p>
      ) : null}
      <Button onClick={reset} className="mt-6">
        Try again
      </Button>
    </div>
  );
}
