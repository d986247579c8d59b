"use client";

import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Field, FormError, Input, Select } from "@/components/ui/field";
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
    <Card id="register-cluster" title="Register a cluster" className="mb-6">
      <form action={formAction} className="flex flex-wrap items-end gap-3">
        <Field id="cluster-name" label="Cluster name">
          <Input
            name="name"
            required
            pattern="[a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?"
            placeholder="prod-eu-2"
            className="font-mono"
          />
        </Field>
        <Field id="cluster-environment" label="Environment">
          <Select name="environment" required>
            {environments.map((environment) => (
              <option key={environment.name} value={environment.name}>
                {environment.displayName}
              </option>
            ))}
          </Select>
        </Field>
        <Button type="submit" disabled={pending}>
          {pending ? "Registering…" : "Register"}
        </Button>
      </form>
      <FormError error={state.error} />
      {state.issued ? <IssuedToken {...state.issued} /> : null}
    </Card>
  );
}
