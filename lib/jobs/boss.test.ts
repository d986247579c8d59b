import { describe, expect, it } from "vitest";
import {
  JOB_HEARTBEAT_SECONDS,
  OPEN_PULL_REQUEST_RETRIES,
  SUPERVISE_INTERVAL_SECONDS,
} from "@/lib/jobs/boss";

describe("job supervision", () => {
  it("retries the job of a killed worker within a minute with the production settings", () => {
    // Its heartbeat goes stale, the next supervision pass fails it, the first retry waits at
    // most retryDelay (backoff starts there), and a worker polls at least every 2 s.
    const worstCase =
      JOB_HEARTBEAT_SECONDS + SUPERVISE_INTERVAL_SECONDS + OPEN_PULL_REQUEST_RETRIES.retryDelay + 2;
    expect(worstCase).toBeLessThanOrEqual(60);
    expect(OPEN_PULL_REQUEST_RETRIES.heartbeatSeconds).toBe(JOB_HEARTBEAT_SECONDS);
    // pg-boss refuses heartbeats under 10 seconds.
    expect(JOB_HEARTBEAT_SECONDS).toBeGreaterThanOrEqual(10);
  });
});
