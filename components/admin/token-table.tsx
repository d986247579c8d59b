import type { ReactNode } from "react";
import { Badge } from "@/components/ui/badge";
import { RelativeTime } from "@/components/ui/relative-time";

export interface TokenRow {
  id: string;
  name: string;
  kind: string;
  scopes: readonly string[];
  createdAt: Date;
  createdBy: string;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** API tokens without their secret; `revoke` renders the revoke control of a live token. */
export function TokenTable({
  tokens,
  now,
  revoke,
}: {
  tokens: readonly TokenRow[];
  now: Date;
  revoke: (token: TokenRow) => ReactNode;
}) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-600">
          <tr>
            <th scope="col" className="px-3 py-2">
              Name
            </th>
            <th scope="col" className="px-3 py-2">
              Scopes
            </th>
            <th scope="col" className="px-3 py-2">
              Created
            </th>
            <th scope="col" className="px-3 py-2">
              Expires
            </th>
            <th scope="col" className="px-3 py-2">
              Last used
            </th>
            <th scope="col" className="px-3 py-2">
              Status
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {tokens.map((token) => {
            const expired = token.expiresAt !== null && token.expiresAt <= now;
            return (
              <tr key={token.id}>
                <th scope="row" className="px-3 py-2 text-left font-medium">
                  {token.name}
                  <div className="text-xs font-normal text-slate-500">
                    {token.kind === "ci" ? "CI" : "personal"} · by {token.createdBy}
                  </div>
                </th>
                <td className="px-3 py-2 font-mono text-xs">{token.scopes.join(" ")}</td>
                <td className="px-3 py-2">
                  <RelativeTime value={token.createdAt} now={now} />
                </td>
                <td className="px-3 py-2">
                  {token.expiresAt ? <RelativeTime value={token.expiresAt} now={now} /> : "never"}
                </td>
                <td className="px-3 py-2">
                  {token.lastUsedAt ? <RelativeTime value={token.lastUsedAt} now={now} /> : "never"}
                </td>
                <td className="px-3 py-2">
                  {token.revokedAt ? (
                    <Badge tone="danger">revoked</Badge>
                  ) : expired ? (
                    <Badge tone="warning">expired</Badge>
                  ) : (
                    <div className="flex items-center gap-2">
                      <Badge tone="success">active</Badge>
                      {revoke(token)}
                    </div>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
