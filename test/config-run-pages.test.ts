import { describe, expect, it } from "vitest";
import { readSettings } from "../src/config/settings.ts";
import { runPageUrl } from "../src/config/public-url.ts";

describe("run page settings", () => {
  const on = { DROID_PUBLIC_URL: "https://droid.example.com/", GITHUB_CLIENT_ID: "Iv1.abc", GITHUB_CLIENT_SECRET: "secret" };

  it("are on with the App's OAuth client and a public URL, off otherwise or when turned off", () => {
    const s = readSettings(on);
    expect(s.publicUrl).toBe("https://droid.example.com");
    expect(s.runPages).toMatchObject({ enabled: true, clientId: "Iv1.abc", sessionMs: 8 * 3_600_000 });
    expect(runPageUrl(s.publicUrl, "j-1")).toBe("https://droid.example.com/runs/j-1");
    expect(readSettings({}).runPages).toEqual({ enabled: false, why: "GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET, DROID_PUBLIC_URL not set" });
    expect(readSettings({}).publicUrl).toBeNull();
    expect(readSettings({ ...on, DROID_RUN_PAGES: "off" }).runPages).toEqual({ enabled: false, why: "DROID_RUN_PAGES is off" });
  });

  it("refuses a bad public URL, pages forced on without a client, and a short session secret", () => {
    expect(() => readSettings({ DROID_PUBLIC_URL: "ftp://x" })).toThrow(/DROID_PUBLIC_URL/);
    expect(() => readSettings({ DROID_PUBLIC_URL: "https://x/?a=1" })).toThrow(/DROID_PUBLIC_URL/);
    expect(() => readSettings({ DROID_RUN_PAGES: "on" })).toThrow(/DROID_RUN_PAGES: on, but GITHUB_CLIENT_ID/);
    expect(() => readSettings({ ...on, DROID_SESSION_SECRET: "short" })).toThrow(/DROID_SESSION_SECRET/);
  });
});
