/** `layout` in the CLI's help; apart from the command so the help does not load the Git provider. */
export const LAYOUT_USAGE = `  layout check [--repo PATH|URL] [--json]
                       Show what the discovery rules of gantry.yaml find (each rule with its apps
                       and cells, apps × environments with each cell's file and locator) and every
                       skipped file with why, without importing. PATH is a checkout; URL (https://,
                       ssh://, git@host:path, file://) is cloned shallow into a temporary directory,
                       read through git and removed; default: the configured GitOps repository.
                       Exit 1 on a broken layout file, naming its line and column; exit 2 when the
                       repository cannot be read
`;
