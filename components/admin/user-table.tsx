import Link from "next/link";
import { Badge } from "@/components/ui/badge";
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

/** Everyone who may sign in, with what they may do; each name opens the person's page. */
export function UserTable({ users, now }: { users: readonly UserRow[]; now: Date }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-600">
          <tr>
            <th scope="col" className="px-3 py-2">
              Person
            </th>
            <th scope="col" className="px-3 py-2">
              Roles
            </th>
            <th scope="col" className="px-3 py-2">
              Teams
            </th>
            <th scope="col" className="px-3 py-2">
              Sign-in
            </th>
            <th scope="col" className="px-3 py-2">
              Last sign-in
            </th>
            <th scope="col" className="px-3 py-2">
              Status
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {users.map((user) => (
            <tr key={user.id}>
              <td className="px-3 py-2">
                <Link
                  href={`/admin/users/${user.id}`}
                  className="font-medium text-blue-700 hover:underline"
                >
                  {user.name}
                </Link>
                <div className="text-xs text-slate-500">{user.email}</div>
              </td>
              <td className="px-3 py-2">
                <div className="flex flex-wrap gap-1">
                  {user.roles.map((role) => (
                    <Badge key={role} tone={role === "admin" ? "warning" : "neutral"}>
                      {role}
                    </Badge>
                  ))}
                </div>
              </td>
              <td className="px-3 py-2 text-slate-700">{user.teams.join(", ") || "—"}</td>
              <td className="px-3 py-2 text-slate-700">
                {user.source === "oidc" ? "single sign-on" : "password"}
              </td>
              <td className="px-3 py-2 text-slate-700">
                {user.lastSignInAt ? <RelativeTime value={user.lastSignInAt} now={now} /> : "never"}
              </td>
              <td className="px-3 py-2">
                {user.disabledAt ? (
                  <Badge tone="danger">disabled</Badge>
                ) : user.mustChangePassword ? (
                  <Badge tone="info">must change password</Badge>
                ) : (
                  <Badge tone="success">active</Badge>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
