import { Pager } from "@/components/ui/pager";

/** Newer / older pages by cursor (the sequence at the page's edge), never by page number. */
export function AuditPager({
  newerHref,
  olderHref,
  newestHref,
}: {
  newerHref: string | null;
  olderHref: string | null;
  newestHref: string | null;
}) {
  return (
    <Pager
      steps={[
        { href: newestHref, text: "« Newest" },
        { href: newerHref, text: "‹ Newer" },
        { href: olderHref, text: "Older ›" },
      ]}
    />
  );
}
