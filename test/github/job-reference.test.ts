/** How texts name a job: the short id, linked to the run page when there is one, the full id hidden. */
import { describe, expect, it } from "vitest";
import { jobFooter, jobReference } from "../../src/github/comment-text.ts";
import { internalErrorMessage } from "../../src/github/messages.ts";

const ID = "3f9c2d1e-8b7a-4c65-9e21-0d4f5a6b7c8d";

describe("a job in a text", () => {
  it("is its short id, linked to the run page (which shows the full id)", () => {
    expect(jobReference(ID, null)).toBe("job `3f9c2d1e`");
    expect(jobReference(ID, `https://droid.example.com/runs/${ID}`)).toBe(`[job \`3f9c2d1e\`](https://droid.example.com/runs/${ID})`);
  });

  it("signs every job comment the same way, with the full id only in the hidden marker", () => {
    expect(jobFooter(ID, null)).toBe(`<sub>Droid · job \`3f9c2d1e\`</sub>\n<!-- droid:job ${ID} -->`);
  });

  it("names the short id in the internal-error message (the operators' logs hold the full one)", () => {
    const text = internalErrorMessage(ID);
    expect(text).toContain("internal error (job `3f9c2d1e`)");
    expect(text).not.toContain("8b7a");
  });
});
