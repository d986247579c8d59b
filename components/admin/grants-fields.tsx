import { CheckboxField, Field, Fieldset, Input } from "@/components/ui/field";
import type { Role } from "@/lib/identity/principal";

const ROLE_CHOICES: readonly { role: Role; hint: string }[] = [
  { role: "viewer", hint: "reads everything" },
  { role: "developer", hint: "promotes their teams' applications" },
  { role: "approver", hint: "approves promotions into the environments named below" },
  { role: "admin", hint: "everything, including people and CI tokens" },
];

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
      <Fieldset legend="Roles">
        <div className="grid gap-1 sm:grid-cols-2">
          {ROLE_CHOICES.map(({ role, hint }) => (
            <CheckboxField
              key={role}
              name="roles"
              value={role}
              defaultChecked={value.roles.includes(role)}
              label={role}
              hint={hint}
            />
          ))}
        </div>
      </Fieldset>
      <Field id={`${idPrefix}-teams`} label="Teams">
        <Input
          name="teams"
          defaultValue={value.teams.join(", ")}
          placeholder="payments, prod-approvers"
        />
      </Field>
      <Field id={`${idPrefix}-approver-environments`} label="Approves for environments">
        <Input
          name="approverEnvironments"
          defaultValue={value.approverEnvironments.join(", ")}
          placeholder="staging, prod (or * for every one)"
        />
      </Field>
      {value.gitLogin !== undefined ? (
        <Field id={`${idPrefix}-git-login`} label="Git host login">
          <Input name="gitLogin" defaultValue={value.gitLogin ?? ""} />
        </Field>
      ) : null}
      <CheckboxField
        name="breakGlass"
        defaultChecked={value.breakGlass}
        label="Break-glass"
        hint="may promote into a frozen environment, giving a reason"
      />
    </>
  );
}
