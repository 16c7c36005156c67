import { describe, expect, it } from "vitest";
import { formatCount } from "../../src/figures/count.ts";
import { formatDuration, preciseDuration, roughDuration } from "../../src/figures/duration.ts";
import { shortJobId } from "../../src/figures/job-id.ts";
import { formatUsd } from "../../src/figures/money.ts";

describe("money as texts show it", () => {
  it("writes cents, always two digits", () => {
    expect(formatUsd(0)).toBe("$0.00");
    expect(formatUsd(0.2)).toBe("$0.20");
    expect(formatUsd(0.05)).toBe("$0.05");
    expect(formatUsd(0.014)).toBe("$0.01");
    expect(formatUsd(4.2)).toBe("$4.20");
    expect(formatUsd(12.345)).toBe("$12.35");
  });

  it("says a sub-cent cost is less than a cent, never $0.00", () => {
    expect(formatUsd(0.006)).toBe("< $0.01");
    expect(formatUsd(0.0000012)).toBe("< $0.01");
    expect(formatUsd(0.01)).toBe("$0.01");
  });

  it("separates thousands in big costs", () => {
    expect(formatUsd(1234.5)).toBe("$1,234.50");
    expect(formatUsd(9_876_543.21)).toBe("$9,876,543.21");
  });

  it("keeps a sign and refuses to print a non-number", () => {
    expect(formatUsd(-3)).toBe("-$3.00");
    expect(formatUsd(Number.NaN)).toBe("—");
  });
});

describe("durations", () => {
  it("exact for footers, rough for status lines", () => {
    expect(formatDuration(42_000)).toBe("42 s");
    expect(formatDuration(252_000)).toBe("4 min 12 s");
    expect(formatDuration(3_900_000)).toBe("1 h 5 min");
    expect(roughDuration(42_000)).toBe("42 s");
    expect(roughDuration(252_000)).toBe("4 min");
    expect(roughDuration(3_600_000)).toBe("1 h");
    expect(roughDuration(3_900_000)).toBe("1 h 5 min");
  });

  it("precise for a command or a phase: tenths under a minute, then as footers", () => {
    expect(preciseDuration(1_234)).toBe("1.2 s");
    expect(preciseDuration(59_949)).toBe("59.9 s");
    expect(preciseDuration(59_950)).toBe("1 min 0 s");
    expect(preciseDuration(600_000)).toBe("10 min 0 s");
  });
});

describe("counts", () => {
  it("separates thousands whatever the machine's locale", () => {
    expect(formatCount(7)).toBe("7");
    expect(formatCount(95_993)).toBe("95,993");
    expect(formatCount(1_000_257)).toBe("1,000,257");
  });
});

describe("the short job id", () => {
  it("is the first 8 characters of the id", () => {
    expect(shortJobId("3f9c2d1e-8b7a-4c65-9e21-0d4f5a6b7c8d")).toBe("3f9c2d1e");
    expect(shortJobId("abc")).toBe("abc");
  });
});
