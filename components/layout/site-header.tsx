import Link from "next/link";
import { NavLink } from "@/components/layout/nav-link";
import { Button } from "@/components/ui/button";
import { can, type Permission } from "@/lib/identity/permissions";
import type { Person } from "@/lib/identity/principal";

/**
 * The main navigation. An entry shows only to people whose roles allow
 * what the page is for; hiding it is a courtesy, never the check (the pages
 * and actions check on the server).
 */
const NAVIGATION: readonly { href: string; label: string; permission: Permission }[] = [
  { href: "/", label: "Overview", permission: "catalogue:read" },
  { href: "/apps", label: "Applications", permission: "catalogue:read" },
  { href: "/promotions", label: "Promotions", permission: "promotion:read" },
  { href: "/trains", label: "Trains", permission: "promotion:read" },
  { href: "/insights", label: "Insights", permission: "promotion:read" },
  { href: "/environments", label: "Environments", permission: "catalogue:read" },
  { href: "/clusters", label: "Clusters", permission: "catalogue:read" },
  { href: "/imports", label: "Imports", permission: "catalogue:read" },
  { href: "/audit", label: "Audit", permission: "audit:read" },
  { href: "/admin/users", label: "People", permission: "user:manage" },
];

export function SiteHeader({
  person,
  signOutAction,
  approvalsAwaiting = null,
}: {
  /** The signed-in person; null on the sign-in page. */
  person: Person | null;
  signOutAction: () => Promise<void>;
  /** Promotions awaiting the person's review; null when they approve for no environment. */
  approvalsAwaiting?: number | null;
}) {
  return (
    <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <div className="mx-auto flex min-h-14 w-full max-w-screen-2xl flex-wrap items-center gap-x-8 gap-y-2 px-4 py-2 sm:px-6">
        <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight">
          <svg
            aria-hidden="true"
            viewBox="0 0 24 24"
            className="size-6 text-blue-700 dark:text-blue-400"
            fill="none"
          >
            <path
              d="M3 20h18M6 20V6h12v14M6 10h12M10 6v14M14 6v14"
              stroke="currentColor"
              strokeWidth="2"
            />
          </svg>
          Gantry
        </Link>
        {person ? (
          <>
            <nav aria-label="Main" className="flex flex-wrap gap-1">
              {NAVIGATION.filter((item) => can(person, item.permission)).map((item) => (
                <NavLink key={item.href} href={item.href}>
                  {item.label}
                </NavLink>
              ))}
              {approvalsAwaiting !== null ? (
                <NavLink href="/approvals">
                  Approvals{" "}
                  <span className="rounded-full bg-blue-700 px-1.5 text-xs text-white dark:bg-blue-500 dark:text-slate-950">
                    {approvalsAwaiting}
                  </span>
                </NavLink>
              ) : null}
            </nav>
            <div className="ml-auto flex items-center gap-3 text-sm">
              <Link
                href="/api-reference"
                className="text-slate-600 hover:text-slate-900 hover:underline dark:text-slate-400 dark:hover:text-slate-100"
              >
                API
              </Link>
              <Link
                href="/account"
                className="font-medium text-slate-700 hover:text-slate-900 hover:underline dark:text-slate-200 dark:hover:text-white"
                title={person.email}
              >
                {person.name}
              </Link>
              <form action={signOutAction}>
                <Button type="submit" variant="secondary">
                  Sign out
                </Button>
              </form>
            </div>
          </>
        ) : null}
      </div>
    </header>
  );
}
