"use client";

import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { FormError } from "@/components/ui/field";
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
  return (
    <div>
      <div className="flex flex-wrap gap-2">
        <form action={rotateAction}>
          <input type="hidden" name="cluster" value={cluster} />
          <Button
            type="submit"
            size="sm"
            variant="secondary"
            disabled={rotating}
            aria-label={`${hasToken ? "Rotate" : "Issue"} the agent token of ${cluster}`}
          >
            {hasToken ? "Rotate token" : "Issue token"}
          </Button>
        </form>
        {hasToken ? (
          <form action={revokeAction}>
            <input type="hidden" name="cluster" value={cluster} />
            <Button
              type="submit"
              size="sm"
              variant="danger"
              disabled={revoking}
              aria-label={`Revoke the agent token of ${cluster}`}
            >
              Revoke token
            </Button>
          </form>
        ) : null}
      </div>
      <FormError error={error} className="mt-1 p-1 text-xs" />
      {revoked.notice && !rotated.issued ? (
        <p role="status" className="mt-1 text-xs text-slate-700">
          {revoked.notice}
        </p>
      ) : null}
      {rotated.issued ? <IssuedToken {...rotated.issued} /> : null}
    </div>
  );
}
