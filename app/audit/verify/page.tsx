import type { Metadata } from "next";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { verifyAuditChain } from "@/lib/audit/verify-chain";
import { getDb } from "@/lib/db";
import { refusal } from "@/lib/identity/permissions";
import { requirePerson } from "@/lib/people/current-principal";

export const metadata: Metadata = { title: "Verify the audit chain" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function VerifyAuditPage({ searchParams }: { searchParams: SearchParams }) {
  const person = await requirePerson("/audit/verify");
  const header = (
    <PageHeader
      title="Verify the audit chain"
      description="Recomputes every event's hash and its link to the one before, from the first event to the last."
    />
  );
  const refused = refusal(person, "audit:verify");
  if (refused) {
    return (
      <>
        {header}
        <Notice tone="warning" title="You cannot verify the chain">
          {refused}.
        </Notice>
      </>
    );
  }
  const run = (await searchParams).run === "1";
  const result = run ? await verifyAuditChain({ db: getDb(), principal: person }) : null;
  return (
    <>
      {header}
      <form method="get" className="mb-4">
        <input type="hidden" name="run" value="1" />
        <Button type="submit">{result ? "Verify again" : "Verify now"}</Button>
        <span className="ml-3 text-sm text-slate-600">
          The same check as <code>npm run gantry -- audit verify</code>.
        </span>
      </form>
      {result === null ? null : result.ok ? (
        <Notice title="The chain is intact">
          {result.checked.toLocaleString("en")} events checked, up to sequence {result.lastSequence}
          , in {(result.durationMs / 1000).toFixed(1)} s.
        </Notice>
      ) : (
        <Notice
          tone="danger"
          title={`The chain is broken at sequence ${result.firstBroken?.sequence}`}
        >
          <p>{result.firstBroken?.message}</p>
          <p className="mt-1">
            Event id <code>{result.firstBroken?.id}</code> (
            {result.firstBroken?.problem.replaceAll("_", " ")}
            ). {result.brokenLinks} broken link{result.brokenLinks === 1 ? "" : "s"} in{" "}
            {result.checked.toLocaleString("en")} events.
          </p>
        </Notice>
      )}
      <p className="mt-4 text-sm">
        <Link href="/audit" className="text-blue-800 hover:underline">
          Back to the timeline
        </Link>
      </p>
    </>
  );
}
