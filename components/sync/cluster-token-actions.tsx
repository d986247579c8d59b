"use client";

import { useActionState } from "react";
import { type ClusterTokenAction, NO_CLUSTER_TOKEN_STATE } from "./cluster-token-state";
import { IssuedToken } from "./issued-token";

/** An admin's rotate and revoke buttons for one cluster's agent token. */
export function ClusterTokenActions({
  cluster,
  hasToken,
  rotate,
  revoke,
}: {
  cluster: string;
  hasToken: boolean;
  rotate: ClusterTokenAction;
  revoke: ClusterTokenAction;
}) {
  const [rotated, rotateAction, rotating] = useActionState(rotate, NO_CLUSTER_TOKEN_STATE);
  const [revoked, revokeAction, revoking] = useActionState(revoke, NO_CLUSTER_TOKEN_STATE);
  const error = rotated.error ?? revoked.error;
  const button =
    "rounded-md px-2 py-1 text-xs ring-1 ring-inset disabled:opacity-60 hover:bg-slate-100";
  return (
    <div>
      <div className="flex flex-wrap gap-2">
        <form action={rotateAction}>
          <input type="hidden" name="cluster" value={cluster} />
          <button
            type="submit"
            disabled={rotating}
            aria-label={`${hasToken ? "Rotate" : "Issue"} the agent token of ${cluster}`}
            className={`${button} text-slate-800 ring-slate-300`}
          >
            {hasToken ? "Rotate token" : "Issue token"}
          </button>
        </form>
        {hasToken ? (
          <form action={revokeAction}>
            <input type="hidden" name="cluster" value={cluster} />
            <button
              type="submit"
              disabled={revoking}
              aria-label={`Revoke the agent token of ${cluster}`}
              className={`${button} text-red-800 ring-red-300`}
            >
              Revoke token
            </button>
          </form>
        ) : null}
      </div>
      {error ? (
        <p role="alert" className="mt-1 text-xs text-red-800">
          {error}
        </p>
      ) : null}
      {revoked.notice && !rotated.issued ? (
        <p role="status" className="mt-1 text-xs text-slate-700">
          {revoked.notice}
        </p>
      ) : null}
      {rotated.issued ? <IssuedToken {...rotated.issued} /> : null}
    </div>
  );
}
