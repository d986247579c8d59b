import { describe, expect, it } from "vitest";
import {
  changeFailureRateBand,
  deploymentFrequencyBand,
  durationInWords,
  leadTimeBand,
  timeToRestoreBand,
} from "@/lib/insights/dora-bands";

const HOUR = 3_600;
const DAY = 24 * HOUR;

describe("DORA bands (2023 State of DevOps)", () => {
  it("deployment frequency per application per day", () => {
    expect(deploymentFrequencyBand(3)).toBe("elite");
    expect(deploymentFrequencyBand(1)).toBe("elite");
    expect(deploymentFrequencyBand(0.99)).toBe("high");
    expect(deploymentFrequencyBand(1 / 7)).toBe("high");
    expect(deploymentFrequencyBand(1 / 8)).toBe("medium");
    expect(deploymentFrequencyBand(1 / 30)).toBe("medium");
    expect(deploymentFrequencyBand(1 / 31)).toBe("low");
    expect(deploymentFrequencyBand(0)).toBe("low");
  });

  it("lead time for changes", () => {
    expect(leadTimeBand(3 * HOUR)).toBe("elite");
    expect(leadTimeBand(DAY - 1)).toBe("elite");
    expect(leadTimeBand(DAY)).toBe("high");
    expect(leadTimeBand(7 * DAY - 1)).toBe("high");
    expect(leadTimeBand(7 * DAY)).toBe("medium");
    expect(leadTimeBand(30 * DAY)).toBe("low");
  });

  it("change failure rate", () => {
    expect(changeFailureRateBand(0)).toBe("elite");
    expect(changeFailureRateBand(0.05)).toBe("elite");
    expect(changeFailureRateBand(0.051)).toBe("high");
    expect(changeFailureRateBand(0.1)).toBe("high");
    expect(changeFailureRateBand(0.15)).toBe("medium");
    expect(changeFailureRateBand(0.2)).toBe("low");
    expect(changeFailureRateBand(1)).toBe("low");
  });

  it("time to restore", () => {
    expect(timeToRestoreBand(59 * 60)).toBe("elite");
    expect(timeToRestoreBand(HOUR)).toBe("high");
    expect(timeToRestoreBand(DAY - 1)).toBe("high");
    expect(timeToRestoreBand(DAY)).toBe("medium");
    expect(timeToRestoreBand(7 * DAY)).toBe("low");
  });

  it("durations in words", () => {
    expect(durationInWords(42)).toBe("42 s");
    expect(durationInWords(45 * 60)).toBe("45 min");
    expect(durationInWords(3.25 * HOUR)).toBe("3.3 h");
    expect(durationInWords(2.5 * DAY)).toBe("2.5 days");
  });
});
