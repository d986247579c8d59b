import { describe, expect, it } from "vitest";
import { promotionBranch } from "./branch-name";

describe("promotionBranch", () => {
  it("is gantry/promote/<app>/<env>/<version>", () => {
    expect(
      promotionBranch({ application: "payments", environment: "prod", version: "1.42.0" }),
    ).toBe("gantry/promote/payments/prod/1.42.0");
  });

  it("turns characters a ref cannot hold into dashes", () => {
    expect(
      promotionBranch({ application: "a", environment: "prod", version: "1.4.2@sha256:ab..cd" }),
    ).toBe("gantry/promote/a/prod/1.4.2-sha256-ab.cd");
    expect(promotionBranch({ application: "a", environment: "prod", version: "v1.lock" })).toBe(
      "gantry/promote/a/prod/v1-lock",
    );
  });

  it("numbers later promotions of the same version", () => {
    expect(
      promotionBranch({ application: "a", environment: "dev", version: "1.0.0", attempt: 2 }),
    ).toBe("gantry/promote/a/dev/1.0.0-2");
  });
});
