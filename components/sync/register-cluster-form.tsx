"use client";

import { useActionState } from "react";
import { type ClusterTokenAction, NO_CLUSTER_TOKEN_STATE } from "./cluster-token-state";
import { IssuedToken } from "./issued-token";

/** An admin registers a cluster: its name and environment; the token is shown once. */
export function RegisterClusterForm({
  environments,
  action,
}: {
  environments: readonly { name: string; displayName: string }[];
  action: ClusterTokenAction;
}) {
  const [state, formAction, pending] = useActionState(action, NO_CLUSTER_TOKEN_STATE);
  return (
    <section
      aria-labelledby="register-cluster"
      className="mb-6 rounded-lg border border-slate-200 bg-white p-4"
    >
      <h2 id="register-cluster" className="text-sm font-semibold text-slate-800">
        Register a cluster
      </h2>
      <form action={formAction} className="mt-3 flex flex-wrap items-end gap-3">
        <div>
          <label htmlFor="cluster-name" className="block text-xs font-medium text-slate-700">
            Cluster name
          </label>
          <input
            id="cluster-name"
            name="name"
            required
            pattern="[a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?"
            placeholder="prod-eu-2"
            className="mt-1 rounded border border-slate-300 px-2 py-1 font-mono text-sm"
          />
        </div>
        <div>
          <label htmlFor="cluster-environment" className="block text-xs font-medium text-slate-700">
            Environment
          </label>
          <select
            id="cluster-environment"
            name="environment"
            required
            className="mt-1 rounded border border-slate-300 px-2 py-1 text-sm"
          >
            {environments.map((environment) => (
              <option key={environment.name} value={environment.name}>
                {environment.displayName}
              </option>
            ))}
          </select>
        </div>
        <button
          type="submit"
          disabled={pending}
          className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-60"
        >
          {pending ? "Registering…" : "Register"}
        </button>
      </form>
      {state.error ? (
        <p role="alert" className="mt-2 text-sm text-red-800">
          {state.error}
        </p>
      ) : null}
      {state.issued ? <IssuedToken {...state.issued} /> : null}
    </section>
  );
}
