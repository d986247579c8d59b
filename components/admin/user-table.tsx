import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { type DataColumn, DataTable } from "@/components/ui/data-table";
import { RelativeTime } from "@/components/ui/relative-time";

export interface UserRow {
  id: string;
  name: string;
  email: string;
  roles: readonly string[];
  teams: readonly string[];
  source: string;
  disabledAt: Date | null;
  mustChangePassword: boolean;
  lastSignInAt: Date | null;
}

function status(user: UserRow): { tone: "danger" | "info" | "success"; words: string } {
  if (user.disabledAt) return { tone: "danger", words: "disabled" };
  if (user.mustChangePassword) return { tone: "info", words: "must change password" };
  return { tone: "success", words: "active" };
}

/** Everyone who may sign in, with what they may do; each name opens the person's page. */
export function UserTable({ users, now }: { users: readonly UserRow[]; now: Date }) {
  const columns: DataColumn<UserRow>[] = [
    {
      id: "person",
      header: "Person",
      rowHeader: true,
      sortValue: (user) => user.name,
      cell: (user) => (
        <>
          <Link
            href={`/admin/users/${user.id}`}
            className="font-medium text-blue-700 hover:underline dark:text-blue-300"
          >
            {user.name}
          </Link>
          <div className="text-xs text-slate-500">{user.email}</div>
        </>
      ),
    },
    {
      id: "roles",
      header: "Roles",
      cell: (user) => (
        <div className="flex flex-wrap gap-1">
          {user.roles.map((role) => (
            <Badge key={role} tone={role === "admin" ? "warning" : "neutral"}>
              {role}
            </Badge>
          ))}
        </div>
      ),
    },
    {
      id: "teams",
      header: "Teams",
      sortValue: (user) => user.teams.join(", ") || null,
      cell: (user) => user.teams.join(", ") || "—",
    },
    {
      id: "source",
      header: "Sign-in",
      cell: (user) => (user.source === "oidc" ? "single sign-on" : "password"),
    },
    {
      id: "last-sign-in",
      header: "Last sign-in",
      sortValue: (user) => user.lastSignInAt?.getTime() ?? null,
      cell: (user) =>
        user.lastSignInAt ? <RelativeTime value={user.lastSignInAt} now={now} /> : "never",
    },
    {
      id: "status",
      header: "Status",
      sortValue: (user) => status(user).words,
      cell: (user) => <Badge tone={status(user).tone}>{status(user).words}</Badge>,
    },
  ];
  return (
    <DataTable
      caption="People who may sign in"
      columns={columns}
      rows={users}
      rowKey={(user) => user.id}
    />
  );
}
