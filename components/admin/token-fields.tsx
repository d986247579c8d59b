import { textInputClass } from "@/components/admin/grants-fields";

/** Name, scopes and expiry of a new API token. */
export function TokenFields({ idPrefix, scopes }: { idPrefix: string; scopes: readonly string[] }) {
  return (
    <>
      <div>
        <label htmlFor={`${idPrefix}-name`} className="block text-sm font-medium text-slate-700">
          Token name
        </label>
        <input
          id={`${idPrefix}-name`}
          name="name"
          required
          maxLength={100}
          className={textInputClass}
        />
      </div>
      <fieldset>
        <legend className="text-sm font-medium text-slate-700">Scopes</legend>
        <div className="mt-1 flex gap-4">
          {scopes.map((scope) => (
            <label key={scope} className="flex items-center gap-2 font-mono text-sm">
              <input type="checkbox" name="scopes" value={scope} defaultChecked />
              {scope}
            </label>
          ))}
        </div>
      </fieldset>
      <div>
        <label htmlFor={`${idPrefix}-expires`} className="block text-sm font-medium text-slate-700">
          Expires after (days; empty: never)
        </label>
        <input
          id={`${idPrefix}-expires`}
          name="expiresInDays"
          type="number"
          min={1}
          max={366}
          defaultValue={90}
          className={`${textInputClass} max-w-32`}
        />
      </div>
    </>
  );
}
