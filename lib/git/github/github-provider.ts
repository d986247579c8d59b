import { GitHubReviewsAndChecks } from "@/lib/git/github/reviews-and-checks";
import type { GitProvider } from "@/lib/git/provider";

export type { GitHubProviderOptions } from "@/lib/git/github/repository-api";

/**
 * GitProvider over GitHub's REST API (github.com or GitHub Enterprise Server).
 * Reads use the commits, trees and blobs APIs; a commit is made with the Git
 * Data API (blobs → tree → commit → ref), so a change of many files is one
 * commit. Every answer used is validated; every failure is a GantryError
 * tagged `system: "github"` that quotes GitHub's message, never a credential.
 *
 * Its parts, one concern per file, each extending the one before:
 * repository-api.ts (sending and failures), read-repository.ts,
 * refs-and-commits.ts, pull-requests.ts, reviews-and-checks.ts.
 */
export class GitHubProvider extends GitHubReviewsAndChecks implements GitProvider {}
