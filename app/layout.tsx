import type { Metadata } from "next";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { SiteHeader } from "@/components/layout/site-header";
import { OutageNotice } from "@/components/sync/outage-notice";
import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { PATH_HEADER } from "@/lib/identity/request-path";
import { getSignedInPerson } from "@/lib/people/current-principal";
import { safeNextPath } from "@/lib/people/safe-next-path";
import { approvalsAwaitingCount } from "@/lib/promotion/list-approval-inbox";
import { listOutages } from "@/lib/sync/list-outages";
import { signOutAction } from "./account/actions";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Gantry", template: "%s · Gantry" },
  description:
    "GitOps delivery portal: catalogue, promotion by pull request, approvals, sync status and audit.",
};

/** Pages a signed-out person may see. */
function isPublicPage(path: string): boolean {
  return path === "/sign-in" || path.startsWith("/sign-in?") || path.startsWith("/sign-in/");
}

/**
 * Every page renders per request (the CSP nonce, the signed-in person). A
 * stale or ended session goes to sign-in here, even when the proxy let the
 * request through on the cookie's presence; a person who must change their
 * password sees nothing else until they have.
 */
export default async function RootLayout({ children }: { children: ReactNode }) {
  const path = (await headers()).get(PATH_HEADER) ?? "/";
  const signedIn = await getSignedInPerson();
  if (!signedIn && !isPublicPage(path)) {
    redirect(`/sign-in?next=${encodeURIComponent(safeNextPath(path))}`);
  }
  if (signedIn?.mustChangePassword && !path.startsWith("/account/password")) {
    redirect("/account/password");
  }
  // Every page says which source is silent and since when, above content that still renders.
  const now = new Date();
  // Side by side: under many readers at once, each query waited for the one before.
  const [outages, approvalsAwaiting] = signedIn
    ? await Promise.all([
        listOutages({ db: getDb(), now, staleAfterSeconds: getConfig().syncStaleAfterSeconds }),
        approvalsAwaitingCount({ db: getDb(), person: signedIn.person }),
      ])
    : [null, null];
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:shadow"
        >
          Skip to content
        </a>
        <SiteHeader
          person={signedIn?.person ?? null}
          signOutAction={signOutAction}
          approvalsAwaiting={approvalsAwaiting}
        />
        <main id="main" className="mx-auto w-full max-w-screen-2xl px-4 py-6 sm:px-6">
          {outages ? <OutageNotice outages={outages} now={now} /> : null}
          {children}
        </main>
      </body>
    </html>
  );
}
