import type { Role } from "@/lib/identity/principal";

const ROLE_CHOICES: readonly { role: Role; hint: string }[] = [
  { role: "viewer", hint: "reads everything" },
  { role: "developer", hint: "promotes their teams' applications" },
  { role: "approver", hint: "approves promotions into the environments named below" },
  { role: "admin", hint: "everything, including people and CI tokens" },
];

const input =
  "mt-1 block w-full rounded-md border border-slate-300 px-3 py-1.5 text-sm shadow-sm focus:border-blue-600 focus:outline-none focus:ring-1 focus:ring-blue-600";

/** The grant fields of the create and edit forms; lists are separated by commas or spaces. */
export function GrantsFields({
  idPrefix,
  value,
}: {
  idPrefix: string;
  value: {
    roles: readonly string[];
    teams: readonly string[];
    approverEnvironments: readonly string[];
    breakGlass: boolean;
    gitLogin?: string | null;
  };
}) {
  return (
    <>
      <fieldset>
        <legend className="text-sm font-medium text-slate-700">Roles</legend>
        <div className="mt-1 grid gap-1 sm:grid-cols-2">
          {ROLE_CHOICES.map(({ role, hint }) => (
            <label key={role} className="flex items-start gap-2 text-sm">
              <input
                type="checkbox"
                name="roles"
                value={role}
                defaultChecked={value.roles.includes(role)}
                className="mt-0.5"
              />
              <span>
                <span className="font-medium">{role}</span>{" "}
                <span className="text-slate-500">— {hint}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <div>
        <label htmlFor={`${idPrefix}-teams`} className="block text-sm font-medium text-slate-700">
          Teams
        </label>
        <input
          id={`${idPrefix}-teams`}
          name="teams"
          defaultValue={value.teams.join(", ")}
          placeholder="payments, prod-approvers"
          className={input}
        />
      </div>
      <div>
        <label
          htmlFor={`${idPrefix}-approver-environments`}
          className="block text-sm font-medium text-slate-700"
        >
          Approves for environments
        </label>
        <input
          id={`${idPrefix}-approver-environments`}
          name="approverEnvironments"
          defaultValue={value.approverEnvironments.join(", ")}
          placeholder="staging, prod (or * for every one)"
          className={input}
        />
      </div>
      {value.gitLogin !== undefined ? (
        <div>
          <label
            htmlFor={`${idPrefix}-git-login`}
            className="block text-sm font-medium text-slate-700"
          >
            Git host login
          </label>
          <input
            id={`${idPrefix}-git-login`}
            name="gitLogin"
            defaultValue={value.gitLogin ?? ""}
            className={input}
          />
        </div>
      ) : null}
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="breakGlass" defaultChecked={value.breakGlass} />
        <span>
          <span className="font-medium">Break-glass</span>{" "}
          <span className="text-slate-500">
            — may promote into a frozen environment, giving a reason
          </span>
        </span>
      </label>
    </>
  );
}

export const textInputClass = input;
