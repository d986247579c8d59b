"use client";

import { useState } from "react";

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
      className="mt-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm"
    >
      <p className="font-medium text-amber-900">
        The agent token for <span className="font-mono">{cluster}</span>: copy it now. Gantry keeps
        only its hash and will not show it again.
      </p>
      <div className="mt-2 flex gap-2">
        <label htmlFor={`token-${cluster}`} className="sr-only">
          Agent token for {cluster}
        </label>
        <input
          id={`token-${cluster}`}
          readOnly
          value={token}
          onFocus={(event) => event.currentTarget.select()}
          className="w-full rounded border border-slate-300 bg-white px-2 py-1 font-mono text-xs"
        />
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(token).then(() => setCopied(true));
          }}
          className="rounded-md bg-slate-900 px-3 py-1 text-xs font-medium text-white hover:bg-slate-700"
        >
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
      <p className="mt-3 text-xs text-slate-700">Install the agent in the cluster:</p>
      <pre className="mt-1 overflow-x-auto rounded bg-slate-900 p-2 text-xs text-slate-100">
        <code>{snippet}</code>
      </pre>
    </section>
  );
}
