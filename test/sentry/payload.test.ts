import { describe, expect, it } from "vitest";
import { readSentryAlert } from "../../src/sentry/payload.ts";
import { analysedException, innermostInAppFrame } from "../../src/incidents/stacktrace/index.ts";
import { pythonEventAlert, sentryPayload } from "../helpers/sentry.ts";

function alertOf(resource: string, payload: unknown) {
  const parsed = readSentryAlert(resource, payload);
  if (parsed.kind !== "alert") throw new Error(`expected an alert, got ${JSON.stringify(parsed)}`);
  return parsed.alert;
}

describe("Sentry payloads as they really arrive", () => {
  it("takes the issue id from issue_url when an older installation sends no issue_id", () => {
    const payload = sentryPayload("event-alert");
    delete payload.data.event.issue_id;
    expect(alertOf("event_alert", payload).sentryIssueId).toBe("1117540176");
    delete payload.data.event.issue_url;
    expect(alertOf("event_alert", payload).sentryIssueId).toBe("1117540176");
    delete payload.data.event.web_url;
    expect(readSentryAlert("event_alert", payload)).toEqual({ kind: "unusable", why: "the event names no Sentry issue (no issue_id, issue_url or web_url)" });
  });

  it("keeps frames the SDK called in-app although Sentry's rules turned in_app off (orig_in_app: 1)", () => {
    const trace = alertOf("event_alert", sentryPayload("event-alert")).trace;
    expect(trace && innermostInAppFrame(trace)).toMatchObject({ file: "https://static.jsbin.com/js/prod/runner-4.1.7.min.js", line: 1, column: 13924 });
  });

  it("reads the crashed thread's stack when the exception has none, and the message when there is nothing else", () => {
    const payload = pythonEventAlert();
    const event = payload.data.event;
    event.threads = { values: [{ name: "worker", crashed: false, stacktrace: { frames: [] } }, { name: "main", crashed: true, stacktrace: { frames: event.exception.values[0].stacktrace.frames } }] };
    event.exception.values[0].stacktrace = null;
    const fromThread = alertOf("event_alert", payload).trace;
    expect(fromThread && innermostInAppFrame(fromThread)).toMatchObject({ file: "/app/shop/orders/service.py", line: 45 });
    delete event.exception;
    delete event.threads;
    event.title = "";
    event.metadata = {};
    event.logentry = { formatted: "payment provider timed out after 30s" };
    const fromMessage = alertOf("event_alert", payload);
    expect(fromMessage.title).toBe("payment provider timed out after 30s");
    expect(fromMessage.trace).toBeNull();
  });

  it("says which exception of a Sentry chain is analysed: the root cause when it has app frames", () => {
    const payload = pythonEventAlert();
    const values = payload.data.event.exception.values;
    values.unshift({ type: "KeyError", value: "'price'", stacktrace: { frames: [{ abs_path: "/app/shop/prices.py", function: "lookup", lineno: 8, in_app: true }] } });
    const trace = alertOf("event_alert", payload).trace;
    expect(trace && analysedException(trace)).toMatchObject({ index: 0, why: "root-cause", exception: { type: "KeyError" } });
  });

  it("tells a body that is not a Sentry webhook (malformed) from one Droid cannot use (unusable)", () => {
    expect(readSentryAlert("event_alert", [1, 2]).kind).toBe("malformed");
    expect(readSentryAlert("issue", { action: "created", data: { issue: { title: 3 } } }).kind).toBe("unusable");
  });
});
