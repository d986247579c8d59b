import type { Metadata } from "next";
import Link from "next/link";
import { TrainTable } from "@/components/trains/train-table";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requirePerson } from "@/lib/people/current-principal";
import { getPromotionContext } from "@/lib/runtime/promotion-context";
import { listTrains } from "@/lib/trains/list-trains";

export const metadata: Metadata = { title: "Release trains" };
export const dynamic = "force-dynamic";

export default async function TrainsPage() {
  await requirePerson();
  const trains = await listTrains({ db: getPromotionContext().db });
  return (
    <>
      <PageHeader
        title="Release trains"
        description="Many applications promoted as one unit: one branch, one commit, one pull request."
        actions={
          <Link href="/trains/new" className="underline">
            Plan a train
          </Link>
        }
      />
      {trains.length === 0 ? (
        <EmptyState title="No trains yet">
          Select applications by team, label, search or what differs between two environments:{" "}
          <Link href="/trains/new" className="underline">
            plan a train
          </Link>
          .
        </EmptyState>
      ) : (
        <TrainTable trains={trains} />
      )}
    </>
  );
}
