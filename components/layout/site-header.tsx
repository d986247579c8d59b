import Link from "next/link";
import { NavLink } from "@/components/layout/nav-link";

const NAVIGATION = [
  { href: "/", label: "Overview" },
  { href: "/apps", label: "Applications" },
  { href: "/promotions", label: "Promotions" },
  { href: "/clusters", label: "Clusters" },
  { href: "/imports", label: "Imports" },
] as const;

export function SiteHeader() {
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex h-14 w-full max-w-screen-2xl items-center gap-8 px-4 sm:px-6">
        <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight">
          <svg aria-hidden="true" viewBox="0 0 24 24" className="size-6 text-blue-700" fill="none">
            <path
              d="M3 20h18M6 20V6h12v14M6 10h12M10 6v14M14 6v14"
              stroke="currentColor"
              strokeWidth="2"
            />
          </svg>
          Gantry
        </Link>
        <nav aria-label="Main" className="flex gap-1">
          {NAVIGATION.map((item) => (
            <NavLink key={item.href} href={item.href}>
              {item.label}
            </NavLink>
          ))}
        </nav>
      </div>
    </header>
  );
}
