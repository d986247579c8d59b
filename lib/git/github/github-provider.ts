import { GitHubChangeWrites } from "@/lib/git/github/change-writes";
import type { GitProvider } from "@/lib/git/provider";

export type { GitHubProviderOptions } from "@/lib/git/github/repository-api";

/**
 * GitProvider over GitHub (github.com or GitHub Enterprise Server). Trees
 * and files are read from a snapshot of the whole commit: one tarball,
 * read into a bare repository under the data directory and read there by
 * the local provider's reader, so a cold import costs a few calls whatever
 * the fleet's size and a commit already read costs none. A change of many
 * files is one commit in one call (GraphQL `createCommitOnBranch`), or
 * through the Git Data API where a file's mode must be kept or the host has
 * no GraphQL; a promotion's branch, commit and pull request are one query
 * and one request of mutations, then its labels. Every answer used is validated; every failure is a
 * GantryError tagged `system: "github"` that quotes GitHub's message, never
 * a credential.
 *
 * Its parts, one concern per file, each extending the one before:
 * repository-api.ts (sending and failures), read-repository.ts (with
 * snapshots.ts and tarball.ts), refs-and-commits.ts, pull-requests.ts,
 * reviews-and-checks.ts, change-writes.ts.
 */
export class GitHubProvider extends GitHubChangeWrites implements GitProvider {}
