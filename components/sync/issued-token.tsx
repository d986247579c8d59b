"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/field";

/**
 * A new cluster token, shown once: a read-only field to copy it from, and
 * the commands that install the agent with it (deploy/agent/).
 */
export function IssuedToken({
  cluster,
  token,
  portalUrl,
}: {
  cluster: string;
  token: string;
  portalUrl: string;
}) {
  const [copied, setCopied] = useState(false);
  const snippet = [
    "kubectl create namespace gantry-agent",
    `kubectl -n gantry-agent create secret generic gantry-agent-token --from-literal=token=${token}`,
    `# deploy/agent/agent.yaml: set --portal=${portalUrl} and --cluster=${cluster}, then`,
    "kubectl apply -f deploy/agent/agent.yaml",
  ].join("\n");
  return (
    <section
      aria-label={`Agent token for ${cluster}`}
      className="mt-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-800 dark:bg-amber-950"
    >
      <p className="font-medium text-amber-900 dark:text-amber-100">
        The agent token for <span className="font-mono">{cluster}</span>: copy it now. Gantry keeps
        only its hash and will not show it again.
      </p>
      <div className="mt-2 flex gap-2">
        <label htmlFor={`token-${cluster}`} className="sr-only">
          Agent token for {cluster}
        </label>
        <Input
          id={`token-${cluster}`}
          readOnly
          value={token}
          onFocus={(event) => event.currentTarget.select()}
          className="font-mono text-xs"
        />
        <Button
          size="sm"
          onClick={() => {
            void navigator.clipboard?.writeText(token).then(() => setCopied(true));
          }}
        >
          {copied ? "Copied" : "Copy"}
        </Button>
      </div>
      <p className="mt-3 text-xs text-slate-700 dark:text-slate-300">
        Install the agent in the cluster:
      </p>
      <pre className="mt-1 overflow-x-auto rounded bg-slate-900 p-2 text-xs text-slate-100">
        <code>{snippet}</code>
      </pre>
    </section>
  );
}
