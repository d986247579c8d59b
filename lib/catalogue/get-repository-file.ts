import { GantryError } from "@/lib/errors";
import type { GitReader } from "@/lib/git/provider";

export interface RepositoryFileView {
  repository: string;
  ref: string;
  commit: string;
  path: string;
  content: string;
}

const REF = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;
const PATH_SEGMENT = /^[A-Za-z0-9._-]+$/;

/**
 * A file of the GitOps repository at a ref, for the portal's read-only file
 * view (the link target of a values file). Refs and paths are checked before
 * they reach git: no option-looking refs, no `..`, no absolute paths.
 */
export async function getRepositoryFile(params: {
  git: GitReader;
  repository: string;
  ref: string;
  path: string[];
}): Promise<RepositoryFileView> {
  const { git, repository, ref } = params;
  if (repository !== git.repository) {
    throw new GantryError("not_found", `No repository named "${repository}"`);
  }
  if (!REF.test(ref) || ref.includes("..")) {
    throw new GantryError("bad_request", "ref: expected a branch, tag or commit SHA");
  }
  if (
    params.path.length === 0 ||
    !params.path.every((s) => PATH_SEGMENT.test(s) && s !== "." && s !== "..")
  ) {
    throw new GantryError("bad_request", "path: expected a file path inside the repository");
  }
  const path = params.path.join("/");
  const commit = await git.resolveRef(ref);
  const content = await git.readFile({ ref: commit, path });
  if (content === null)
    throw new GantryError("not_found", `${path} does not exist at ${ref.slice(0, 12)}`);
  return { repository, ref, commit, path, content };
}
