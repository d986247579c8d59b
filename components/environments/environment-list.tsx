import { PolicyDetails } from "@/components/environments/policy-details";
import { Badge } from "@/components/ui/badge";
import type { EnvironmentPolicyView } from "@/lib/policy/list-environment-policies";

/** Environments in delivery order, each with its clusters and its policy. */
export function EnvironmentList({ environments }: { environments: EnvironmentPolicyView[] }) {
  return (
    <ol className="space-y-4">
      {environments.map((environment, index) => (
        <li key={environment.name}>
          <section
            aria-labelledby={`environment-${environment.name}`}
            className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm"
          >
            <div className="flex flex-wrap items-center gap-2">
              <span className="text-xs text-slate-500">{index + 1}.</span>
              <h2 id={`environment-${environment.name}`} className="text-lg font-semibold">
                {environment.displayName}{" "}
                <span className="font-mono text-sm font-normal text-slate-500">
                  ({environment.name})
                </span>
              </h2>
              {environment.policy.frozen ? <Badge tone="warning">frozen</Badge> : null}
            </div>
            {environment.description ? (
              <p className="mt-1 text-sm text-slate-600">{environment.description}</p>
            ) : null}
            <div className="mt-4">
              <PolicyDetails summary={environment.policy} />
            </div>
            <h3 className="mt-4 text-xs font-medium uppercase tracking-wide text-slate-500">
              Clusters
            </h3>
            <ul className="mt-1 flex flex-wrap gap-2 text-sm">
              {environment.clusters.map((cluster) => (
                <li
                  key={cluster.name}
                  className="rounded-md bg-slate-50 px-2 py-1 font-mono text-xs ring-1 ring-slate-200"
                >
                  {cluster.name}
                  {cluster.region ? (
                    <span className="text-slate-500"> · {cluster.region}</span>
                  ) : null}
                </li>
              ))}
            </ul>
          </section>
        </li>
      ))}
    </ol>
  );
}
