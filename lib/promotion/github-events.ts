import type { GitHubEvent } from "@/lib/git/github/webhook";
import { log } from "@/lib/log";

// Wired to promotions by the promotion module.
export async function handleGitHubEvent(event: GitHubEvent): Promise<void> {
  log.debug("GitHub event received", { type: event.type });
}
