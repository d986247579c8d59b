/** `layout` in the CLI's help; apart from the command so the help does not load the Git provider. */
export const LAYOUT_USAGE = `  layout check [--repo PATH] [--json]
                       Show what the discovery rules of gantry.yaml find (apps × environments, each
                       cell's file and locator) and every skipped file with why, without importing;
                       PATH is a checkout (default: the configured GitOps repository). Exit 1 on a
                       broken layout file, naming its line and column
`;
