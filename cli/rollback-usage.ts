/** Apart from cli/rollback-command.ts, so `help` does not load the release domain. */
export const ROLLBACK_USAGE = `  rollback --app APP --env ENV --reason TEXT [--version V] [--freeze-reason TEXT]
           [--dry-run] [--url GANTRY_URL] [--token GANTRY_TOKEN]
                       Roll APP back in ENV over HTTP (POST /api/v1/apps/APP/rollback): opens a
                       rollback promotion to the last version deployed and healthy there and holds
                       the version rolled back from; --version refuses if the proposal is another
                       one; a frozen ENV needs --freeze-reason; --dry-run only shows the proposal
  hold list --app APP  The holds in force on APP's versions (GET /api/v1/apps/APP/holds)
  hold release --id HOLD_ID --reason TEXT
                       Let the rules promote a held version again (POST /api/v1/holds/ID/release)
`;
