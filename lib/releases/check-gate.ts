import type { ReleaseGate } from "@/lib/gitops-repo/policy/types";

/** One gate check as stored on the release's step (ReleaseStep.gateChecks). */
export type GateCheck = {
  at: string;
  ok: boolean;
  /** The HTTP status, when an answer came. */
  status: number | null;
  /** What happened, in words safe to show. */
  message: string;
};

/** Runs one check of a gate for a release; the default sends it over HTTP. */
export type GateChecker = (params: {
  gate: ReleaseGate;
  app: string;
  environment: string;
  version: string;
  now: Date;
}) => Promise<GateCheck>;

/** The gate's URL with {app}, {env} and {version} filled in (each URL-encoded); null when it is not http(s). */
function gateUrl(
  gate: ReleaseGate,
  values: { app: string; environment: string; version: string },
): URL | null {
  const filled = gate.url
    .replaceAll("{app}", encodeURIComponent(values.app))
    .replaceAll("{env}", encodeURIComponent(values.environment))
    .replaceAll("{version}", encodeURIComponent(values.version));
  try {
    const url = new URL(filled);
    return url.protocol === "http:" || url.protocol === "https:" ? url : null;
  } catch {
    return null;
  }
}

/**
 * GET on the gate's URL: 2xx within the gate's timeout passes; anything
 * else (another status, a redirect, no answer in time, a refused
 * connection) fails, with the reason. Redirects are not followed: the gate
 * answers for itself. The body is never read, so a gate cannot make Gantry
 * hold much of anything.
 */
export const httpGateCheck: GateChecker = async ({ gate, app, environment, version, now }) => {
  const at = now.toISOString();
  const url = gateUrl(gate, { app, environment, version });
  if (!url) return { at, ok: false, status: null, message: "the gate's URL is not http(s)" };
  const where = `${url.origin}${url.pathname}`.slice(0, 300);
  try {
    const response = await fetch(url, {
      method: "GET",
      redirect: "manual",
      signal: AbortSignal.timeout(gate.timeoutSeconds * 1000),
      headers: { "user-agent": "Gantry gate check" },
    });
    await response.body?.cancel().catch(() => undefined);
    const ok = response.status >= 200 && response.status < 300;
    return {
      at,
      ok,
      status: response.status,
      message: ok
        ? `${where} answered ${response.status}`
        : `${where} answered ${response.status}, not 2xx`,
    };
  } catch (error) {
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    return {
      at,
      ok: false,
      status: null,
      message: timedOut
        ? `${where} did not answer within ${gate.timeoutSeconds}s`
        : `${where} could not be reached`,
    };
  }
};
