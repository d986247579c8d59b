import { CheckboxField, Field, Fieldset, Input } from "@/components/ui/field";

/** Name, scopes, release teams and expiry of a new API token. */
export function TokenFields({ idPrefix, scopes }: { idPrefix: string; scopes: readonly string[] }) {
  return (
    <>
      <Field id={`${idPrefix}-name`} label="Token name">
        <Input name="name" required maxLength={100} />
      </Field>
      <Fieldset legend="Scopes">
        <div className="flex gap-4">
          {scopes.map((scope) => (
            <CheckboxField
              key={scope}
              name="scopes"
              value={scope}
              defaultChecked={scope !== "releases:write"}
              label={<span className="font-mono font-normal">{scope}</span>}
            />
          ))}
        </div>
      </Fieldset>
      <Field
        id={`${idPrefix}-teams`}
        label="Teams it may register releases for (releases:write; comma-separated)"
      >
        <Input name="teams" maxLength={2000} placeholder="payments, checkout" />
      </Field>
      <Field id={`${idPrefix}-expires`} label="Expires after (days; empty: never)">
        <Input
          name="expiresInDays"
          type="number"
          min={1}
          max={366}
          defaultValue={90}
          className="max-w-32"
        />
      </Field>
    </>
  );
}
