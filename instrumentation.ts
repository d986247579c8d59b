/**
 * Next.js calls `register()` once per server process, while it is prepared and before the first
 * request. In the Node.js runtime it offers the job runner from this bundle to scripts/start.ts
 * (lib/runtime/bundle-bridge.ts), which starts it once the catalogue is imported: the server
 * process then loads the application once, from the bundle.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const [{ offerBundledRuntime }, { startJobRunner }] = await Promise.all([
    import("@/lib/runtime/bundle-bridge"),
    import("@/lib/runtime/job-runner"),
  ]);
  offerBundledRuntime({ startJobRunner });
}
