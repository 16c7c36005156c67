import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { mergeAlert, newRecord, recordFromIssueTrace } from "../../src/incidents/build-record.ts";
import { readSentryAlert, type SentryAlert } from "../../src/sentry/payload.ts";
import { markedSentryIssueId, readIncidentRecord, type IncidentRecord } from "../../src/incidents/record.ts";
import { incidentAnnouncement } from "../../src/github/incident-announcement.ts";
import { evidenceGaps, incidentIssueTitle, MAX_ISSUE_BODY, renderIncidentReport } from "../../src/github/incident-report.ts";
import { parseStackTrace } from "../../src/incidents/stacktrace/index.ts";
import { pythonEventAlert, sentryPayload, sentrySettings } from "../helpers/sentry.ts";

const repo = { htmlUrl: "https://github.com/acme/shop", defaultBranch: "main" };
const project = sentrySettings().projects.get("front-end")!;
const NOW = new Date("2026-11-25T10:00:00Z");

function alertFrom(payload: unknown, resource = "event_alert"): SentryAlert {
  const parsed = readSentryAlert(resource, payload);
  if (parsed.kind !== "alert") throw new Error(`not an alert: ${JSON.stringify(parsed)}`);
  return parsed.alert;
}

function analysed(record: IncidentRecord, overrides: Partial<NonNullable<IncidentRecord["analysis"]>> = {}): IncidentRecord {
  return {
    ...record,
    analysis: { summary: "Totals divide by the cart discount, which is 0 for carts without one.", suspectedCause: null, suggestedFix: null, verification: null, evidence: [], ...overrides },
  };
}

describe("the incident report", () => {
  it("round-trips its record through the hidden marker, even with hostile text", () => {
    const payload = pythonEventAlert();
    payload.data.event.exception.values[0].value = "boom --> <!-- droid:incident {} --> @everyone <script>";
    const record = newRecord(alertFrom(payload), project, repo, NOW);
    const body = renderIncidentReport(record);
    expect(readIncidentRecord(body)).toEqual(record);
    expect(markedSentryIssueId(body)).toBe("1117540176");
    // The marker comes first (the one that is read); the message sits in a code block, where markup is inert.
    expect(body.startsWith('<!-- droid:incident {"version":1,')).toBe(true);
    expect(body).toContain("```text\nZeroDivisionError: boom --> <!-- droid:incident {} --> @everyone <script>\n```");
  });

  it("before the analysis, shows what is known and no section that would only say it is pending; the figures as a list, not a table with an empty header", () => {
    const body = renderIncidentReport(newRecord(alertFrom(pythonEventAlert()), project, repo, NOW));
    expect(body).not.toMatch(/pending/i);
    expect(body.match(/^### .+$/gm)).toEqual(["### Summary", "### Impact", "### Exception", "### Timeline"]);
    expect(body).toContain("Root-cause analysis is queued: Droid fills in this report when it is done and says so in a comment.");
    expect(body).toContain("## Incident: `ZeroDivisionError: division by zero`\n\n⏳ Analysis queued\n");
    expect(body).toContain("### Impact\n\n- **Events (Sentry):** not reported by this alert\n- **Users affected:** not reported by this alert\n- **Alerts received:** 1\n");
    expect(body).not.toContain("| |");
  });

  it("renders a full analysis: cause with confidence, evidence links, fix and verification", () => {
    const record = analysed(newRecord(alertFrom(pythonEventAlert()), project, repo, NOW), {
      suspectedCause: { text: "PR #12 divides by `cart.discount`, which is 0 for @someone's carts.", confidence: "high" },
      suggestedFix: "Treat a zero discount as none.",
      verification: "Add a test with a cart without a discount; it must total normally.",
      evidence: [{ text: "The failing line divides by cart.discount", url: "https://github.com/acme/shop/blob/6dcb09b/shop/orders/service.py#L45" }],
    });
    const suspect = {
      sha: "a".repeat(40),
      headline: "Apply cart discount to totals (#12)",
      url: `https://github.com/acme/shop/commit/${"a".repeat(40)}`,
      committedAt: "2026-11-14T09:00:00Z",
      author: "mona",
      pullRequest: { number: 12, title: "Apply cart discount to totals", url: "https://github.com/acme/shop/pull/12" },
      confidence: "high" as const,
      reasons: ["changed the failing line shop/orders/service.py:45 (frame 1)"],
    };
    const body = renderIncidentReport({
      ...record,
      suspects: [suspect],
      frames: record.frames.map((f) => (f.inApp ? { ...f, repoPath: f.file.replace("/app/", "") } : f)),
    });
    expect(body).toContain("- [`aaaaaaa`](https://github.com/acme/shop/commit/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa) Apply cart discount to totals (#12) · [#12](https://github.com/acme/shop/pull/12) · confidence **high**: changed the failing line shop/orders/service.py:45 (frame 1)");
    // Lists, not tables of four columns: nothing scrolls sideways on a phone.
    expect(body).not.toContain("| --- |");
    expect(body).toContain("### Suspected cause\n\nPR #12 divides by `cart.discount`, which is 0 for @\u200bsomeone's carts.\n\nConfidence: **high**.");
    expect(body).toContain("- The failing line divides by cart.discount ([link](https://github.com/acme/shop/blob/6dcb09b/shop/orders/service.py#L45))");
    expect(body).toContain("[shop/orders/service.py#L45](https://github.com/acme/shop/blob/6dcb09b5b57875f334f61aebed695e2e4193db5e/shop/orders/service.py#L45)");
    expect(body).toContain("### How to verify\n\nAdd a test with a cart without a discount");
    expect(body).not.toContain("Evidence is thin");
    expect(body).toContain("`/droid fix`");
    // It leads with what a reader acts on, then the facts behind it.
    expect(body.match(/^### .+$/gm)).toEqual([
      "### Summary",
      "### Suspected cause",
      "### Suggested fix",
      "### How to verify",
      "### Impact",
      "### Exception",
      "### Timeline",
      "### Suspects: changes before the first occurrence",
      "### Evidence",
    ]);

    // The comment that announces it (the report itself was an edit): the cause and the fix first, mentions defused.
    const announced = incidentAnnouncement(record, { kind: "issue-body", issueNumber: 7 }, "bot");
    expect(announced).toBe(
      [
        "**Root-cause analysis done.**",
        "**Suspected cause** (confidence: high): PR #12 divides by `cart.discount`, which is 0 for @\u200bsomeone's carts.",
        "**Suggested fix:** Treat a zero discount as none.",
        "The full report (evidence, suspect commits, how to verify) is in this issue's description. Next: `/bot fix` carries out the fix and opens a pull request.",
      ].join("\n\n"),
    );
    expect(incidentAnnouncement(record, { kind: "comment", commentId: 55, created: false }, "bot")).toContain("is in [Droid's report comment](#issuecomment-55).");
  });

  it("says plainly when the evidence is thin instead of naming a cause", () => {
    const payload = pythonEventAlert();
    const record = analysed(newRecord(alertFrom(payload), project, repo, NOW));
    // Analysed, but no frame was found in the repository and no commit touched anything.
    const body = renderIncidentReport({ ...record, frames: record.frames.map((f) => ({ ...f, note: f.inApp ? "no file of this repository matches shop/views.py" : null })) });
    expect(body).toContain(
      "**Evidence is thin:** no frame of the stack trace points at a file of this repository; no commit touched the implicated files in the window before the first occurrence. Droid does not guess a cause from this",
    );
    expect(body).toContain("Not determined: the evidence below does not support naming a cause.");
    expect(incidentAnnouncement({ ...record, frames: [] }, { kind: "issue-body", issueNumber: 7 }, "droid")).toContain(
      "**Suspected cause:** not determined; the evidence does not support naming one (the alert carried no stack trace; no commit touched the implicated files in the window before the first occurrence).\n\n**Suggested fix:** none; the report lists what was checked.",
    );
    expect(evidenceGaps({ ...record, frames: [] })).toContain("the alert carried no stack trace");
  });

  it("falls back to the default branch for permalinks when the release is not a commit", () => {
    const payload = pythonEventAlert();
    payload.data.event.release = "shop@2.4.1";
    const record = newRecord(alertFrom(payload), project, repo, NOW);
    expect(record.deployedCommit).toBeNull();
    const body = renderIncidentReport({ ...record, frames: [{ ...record.frames[0]!, repoPath: "shop/orders/service.py" }] });
    expect(body).toContain("(https://github.com/acme/shop/blob/main/shop/orders/service.py#L45)");
  });

  it("merges a later alert: counts, last seen, timeline; keeps the first trace and the analysis", () => {
    const first = analysed(newRecord(alertFrom(pythonEventAlert()), project, repo, NOW));
    const issue = alertFrom(sentryPayload("issue-created"), "issue");
    const merged = mergeAlert(first, { ...issue, sentryIssueId: "1117540176", lastSeen: new Date("2026-11-25T11:00:00Z") }, NOW, false);
    expect(merged).toMatchObject({ alerts: 2, eventCount: 1, userCount: 1, firstSeen: "2019-08-19T20:58:37.391Z", lastSeen: "2026-11-25T11:00:00.000Z" });
    expect(merged.frames).toEqual(first.frames);
    expect(merged.analysis).toEqual(first.analysis);
    expect(merged.timeline.at(-1)).toEqual({ at: "2026-11-25T11:00:00.000Z", what: "Sentry issue created" });
  });

  it("fits GitHub's body limit when the analysis is enormous, keeping a readable record", () => {
    const huge = "word ".repeat(5_000);
    const record = analysed(newRecord(alertFrom(pythonEventAlert()), project, repo, NOW), {
      summary: huge,
      suspectedCause: { text: huge, confidence: "low" },
      suggestedFix: huge,
      verification: huge,
      evidence: Array.from({ length: 200 }, (_, i) => ({ text: `claim ${i}: ${huge}`, url: null })),
    });
    const body = renderIncidentReport(record);
    expect(body.length).toBeLessThanOrEqual(MAX_ISSUE_BODY);
    const kept = readIncidentRecord(body);
    expect(kept?.sentryIssueId).toBe("1117540176");
    expect(kept?.analysis?.summary.length).toBeLessThan(huge.length);
    expect(kept?.frames).toEqual(record.frames);
  });

  it("builds the record for /droid rca from an issue's stack trace", () => {
    const trace = parseStackTrace("panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:9 +0x1d\n");
    if (!trace) throw new Error("no trace");
    const record = recordFromIssueTrace(trace, { title: "Crash on start", createdAt: new Date("2026-11-24T08:00:00Z") }, repo, NOW);
    expect(record).toMatchObject({ source: "issue", sentryIssueId: null, exception: { type: "panic", message: "boom" }, firstSeen: "2026-11-24T08:00:00.000Z" });
    const body = renderIncidentReport(record);
    expect(body).toContain("> stack trace from this issue");
    expect(body).toContain("1. `main.main` at `/src/app/main.go:9` → not looked up yet");
    expect(readIncidentRecord(body)).toEqual(record);
  });

  it("says which exception of a chain it analysed and why: a wrapper of library frames does not hide the root cause", () => {
    const trace = parseStackTrace(readFileSync(new URL("../fixtures/traces/gcp-java-servlet.txt", import.meta.url), "utf8"));
    const record = recordFromIssueTrace(trace!, { title: "Servlet fails", createdAt: NOW }, repo, NOW);
    expect(record.exception).toEqual({ type: "com.example.myproject.MyProjectServletException", message: "" });
    expect(record.frames[0]).toMatchObject({ file: "com/example/myproject/MyServlet.java", line: 169, inApp: true });
    expect(record.chain).toMatchObject({ analysed: 0, why: "root-cause" });
    const body = renderIncidentReport(record);
    expect(body).toContain("The error is a chain of 2 exceptions, root cause first:");
    expect(body).toContain("1. `com.example.myproject.MyProjectServletException:` **(analysed)** – 2 application frames");
    expect(body).toContain("Droid analysed #1 (`com.example.myproject.MyProjectServletException`): it is the root cause, and it has frames of the application.");
    expect(readIncidentRecord(body)).toEqual(record);

    const wrapped = parseStackTrace(readFileSync(new URL("../fixtures/traces/py-jedi-1101-chained.txt", import.meta.url), "utf8"));
    const outer = recordFromIssueTrace(wrapped!, { title: "flags", createdAt: NOW }, repo, NOW);
    expect(outer.chain).toMatchObject({ analysed: 1, why: "nearest-with-app-frames" });
    expect(outer.frames.find((f) => f.inApp)).toMatchObject({ file: "E:\\python\\tersonflow\\Chinese_rec.py", line: 38 });
    expect(renderIncidentReport(outer)).toContain("the root cause (`ValueError`) has no frame of the application; this is the exception nearest to it that has some");
  });

  it("keeps titles short", () => {
    const record = newRecord(alertFrom(pythonEventAlert()), project, repo, NOW);
    expect(incidentIssueTitle({ ...record, title: `Error: ${"x".repeat(400)}` })).toHaveLength(200);
  });
});
