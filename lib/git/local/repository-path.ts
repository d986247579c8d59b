import path from "node:path";
import { gitError } from "@/lib/git/errors";

/** A repository name is one path segment: it becomes a directory name and part of a URL. */
const REPOSITORY_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

export function isRepositoryName(name: string): boolean {
  return REPOSITORY_NAME.test(name) && !name.endsWith(".git");
}

/** Where local repositories live: `<dataDir>/git`, which is also http-backend's project root. */
export function gitRoot(dataDir: string): string {
  return path.join(dataDir, "git");
}

/** `<dataDir>/git/<repository>.git` */
export function bareRepositoryPath(dataDir: string, repository: string): string {
  if (!isRepositoryName(repository)) {
    throw gitError("bad_request", `"${repository.slice(0, 100)}" is not a valid repository name`);
  }
  return path.join(gitRoot(dataDir), `${repository}.git`);
}
