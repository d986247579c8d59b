import { Notice } from "@/components/ui/notice";
import { RelativeTime } from "@/components/ui/relative-time";
import type { Outages } from "@/lib/sync/list-outages";

/** "2026-12-03 10:12 UTC": minutes are enough to say since when. */
function utcMinute(value: Date): string {
  return `${value.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function Since({ value, now }: { value: Date; now: Date }) {
  return (
    <>
      {utcMinute(value)} (<RelativeTime value={value} now={now} />)
    </>
  );
}

/**
 * What the portal cannot hear from, by name and since when, above a page
 * whose figures may be old because of it. The page itself still renders:
 * this only says which of its sources is silent.
 */
export function OutageNotice({ outages, now }: { outages: Outages; now: Date }) {
  const { clusters, git } = outages;
  if (clusters.length === 0 && !git) return null;
  return (
    <Notice
      tone="warning"
      title={
        git && clusters.length > 0
          ? "Some sources are not answering: what they report may be old"
          : git
            ? "The Git host is not answering: the catalogue may be old"
            : `${clusters.length === 1 ? "A cluster is" : `${clusters.length} clusters are`} not reporting: their status reads Unknown`
      }
      className="mb-4"
    >
      <ul className="list-disc space-y-0.5 pl-5">
        {git ? (
          <li>
            <span className="font-medium">Git host</span>: reading the GitOps repository has failed
            since <Since value={git.since} now={now} />
            {git.lastReadAt ? (
              <>
                ; last read <Since value={git.lastReadAt} now={now} />
              </>
            ) : null}
            : {git.error}
          </li>
        ) : null}
        {clusters.map((cluster) => (
          <li key={cluster.name}>
            <span className="font-medium">Cluster {cluster.name}</span> ({cluster.environment}):{" "}
            {cluster.lastSeenAt ? "no report since " : "never reported; registered "}
            <Since value={cluster.since} now={now} />
          </li>
        ))}
      </ul>
    </Notice>
  );
}
