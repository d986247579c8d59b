import { describe, expect, it } from "vitest";
import { GantryError } from "@/lib/errors";
import { PromotionState } from "@/lib/generated/prisma/enums";
import { assertTransition, canTransition, OPEN_STATES, TRANSITIONS } from "./transitions";

const ALL = Object.values(PromotionState);

describe("promotion transitions", () => {
  it("has a row for every state and only names known states", () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...ALL].sort());
    for (const targets of Object.values(TRANSITIONS)) {
      for (const target of targets) expect(ALL).toContain(target);
    }
  });

  it("follows the happy path planned → pr_open → approved → merged → syncing → deployed", () => {
    const path = ["planned", "pr_open", "approved", "merged", "syncing", "deployed"] as const;
    for (let i = 1; i < path.length; i++) {
      expect(canTransition(path[i - 1] ?? "planned", path[i] ?? "planned")).toBe(true);
    }
  });

  it("never leaves a terminal state and never goes back from merged", () => {
    for (const terminal of ["rejected", "closed", "superseded", "rolled_back"] as const) {
      for (const to of ALL) expect(canTransition(terminal, to)).toBe(false);
    }
    // The one way out of merged that is not forward: the clusters failed to apply it.
    for (const to of OPEN_STATES) expect(canTransition("merged", to)).toBe(to === "failed");
    expect(canTransition("syncing", "failed")).toBe(true);
  });

  it("retries a failed promotion by planning it again", () => {
    expect(canTransition("failed", "planned")).toBe(true);
    expect(canTransition("pr_open", "planned")).toBe(false);
  });

  it("refuses an illegal transition with a conflict in words", () => {
    let caught: unknown;
    try {
      assertTransition("closed", "merged");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GantryError);
    expect(caught).toMatchObject({
      code: "conflict",
      message: "a promotion that is closed cannot become merged",
    });
  });

  it("allows every open state to be superseded and closed", () => {
    for (const state of OPEN_STATES) {
      expect(canTransition(state, "superseded")).toBe(true);
      expect(canTransition(state, "closed")).toBe(true);
    }
  });
});
