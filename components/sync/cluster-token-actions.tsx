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
        <TokenButton
          action={rotateAction}
          cluster={cluster}
          pending={rotating}
          verb={hasToken ? "Rotate" : "Issue"}
          variant="secondary"
        />
        {hasToken ? (
          <TokenButton
            action={revokeAction}
            cluster={cluster}
            pending={revoking}
            verb="Revoke"
            variant="danger"
          />
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

/** One form and button acting on a cluster's token, named for screen readers with the cluster ("Revoke token of prod-eu-1"). */
function TokenButton({
  action,
  cluster,
  pending,
  verb,
  variant,
}: {
  action: (formData: FormData) => void;
  cluster: string;
  pending: boolean;
  verb: "Rotate" | "Issue" | "Revoke";
  variant: "secondary" | "danger";
}) {
  return (
    <form action={action}>
      <input type="hidden" name="cluster" value={cluster} />
      <Button type="submit" size="sm" variant={variant} disabled={pending}>
        {/* The visible words start the accessible name, so voice control finds the button by them. */}
        {verb} token<span className="sr-only"> of {cluster}</span>
      </Button>
    </form>
  );
}
