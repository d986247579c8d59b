import type { ReactNode } from "react";
import { Badge } from "@/components/ui/badge";
import { type DataColumn, DataTable } from "@/components/ui/data-table";
import { RelativeTime } from "@/components/ui/relative-time";

export interface TokenRow {
  id: string;
  name: string;
  kind: string;
  scopes: readonly string[];
  teams: readonly string[];
  createdAt: Date;
  createdBy: string;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const time = (value: Date | null) => value?.getTime() ?? null;

/** API tokens without their secret; `revoke` renders the revoke control of a live token. */
export function TokenTable({
  caption,
  tokens,
  now,
  revoke,
}: {
  caption: string;
  tokens: readonly TokenRow[];
  now: Date;
  revoke: (token: TokenRow) => ReactNode;
}) {
  const when = (value: Date | null) => (value ? <RelativeTime value={value} now={now} /> : "never");
  const columns: DataColumn<TokenRow>[] = [
    {
      id: "name",
      header: "Name",
      rowHeader: true,
      className: "font-medium",
      sortValue: (token) => token.name,
      cell: (token) => (
        <>
          {token.name}
          <div className="text-xs font-normal text-slate-500">
            {token.kind === "ci" ? "CI" : "personal"} · by {token.createdBy}
          </div>
        </>
      ),
    },
    {
      id: "scopes",
      header: "Scopes",
      className: "font-mono text-xs",
      cell: (token) =>
        token.teams.length > 0
          ? `${token.scopes.join(" ")} (teams ${token.teams.join(", ")})`
          : token.scopes.join(" "),
    },
    {
      id: "created",
      header: "Created",
      sortValue: (token) => token.createdAt.getTime(),
      cell: (token) => when(token.createdAt),
    },
    {
      id: "expires",
      header: "Expires",
      sortValue: (token) => time(token.expiresAt),
      cell: (token) => when(token.expiresAt),
    },
    {
      id: "used",
      header: "Last used",
      sortValue: (token) => time(token.lastUsedAt),
      cell: (token) => when(token.lastUsedAt),
    },
    {
      id: "status",
      header: "Status",
      cell: (token) =>
        token.revokedAt ? (
          <Badge tone="danger">revoked</Badge>
        ) : token.expiresAt !== null && token.expiresAt <= now ? (
          <Badge tone="warning">expired</Badge>
        ) : (
          <div className="flex items-center gap-2">
            <Badge tone="success">active</Badge>
            {revoke(token)}
          </div>
        ),
    },
  ];
  return (
    <DataTable caption={caption} columns={columns} rows={tokens} rowKey={(token) => token.id} />
  );
}
