import type { GantryConfig } from "@/lib/config";
import type { JobRunner } from "@/lib/runtime/job-runner";

/*
 * `npm start` runs Next.js in its own process, and Next.js runs the application from its
 * production bundle. The job runner is the rest of the application that lives as long as the
 * server: started from the bundle too (instrumentation.ts offers it here when Next.js is
 * prepared), the process holds one copy of lib/, not a second one compiled on the fly for
 * scripts/start.ts. This module imports nothing but types, so start.ts can ask for it cheaply.
 */

/** What the bundle hands to the process that prepared it. */
export interface BundledRuntime {
  startJobRunner(params: { config: GantryConfig; databaseUrl: string }): Promise<JobRunner>;
}

// One property of the process's global object: the bundle and start.ts each have their own
// copy of this module, and the global is what they share.
declare global {
  var gantryBundledRuntime: BundledRuntime | undefined;
}

/** Called by instrumentation.ts inside the bundle. */
export function offerBundledRuntime(runtime: BundledRuntime): void {
  globalThis.gantryBundledRuntime = runtime;
}

/** The bundle's runtime, once Next.js is prepared; undefined before (or without a production build). */
export function bundledRuntime(): BundledRuntime | undefined {
  return globalThis.gantryBundledRuntime;
}
