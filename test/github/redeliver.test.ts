import nock from "nock";
import pino from "pino";
import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { redeliverMissedWebhooks } from "../../src/github/redeliver.ts";

const API = "https://api.github.com";
const NOW = new Date("2026-11-25T12:00:00Z");
const log = pino({ enabled: false });

function github() {
  return new ProbotOctokit({ auth: { token: "app-jwt" }, retry: { enabled: false }, throttle: { enabled: false } });
}

function delivery(id: number, guid: string, hoursAgo: number, statusCode: number, redelivery = false) {
  return {
    id,
    guid,
    delivered_at: new Date(NOW.getTime() - hoursAgo * 3_600_000).toISOString(),
    redelivery,
    duration: 0.1,
    status: statusCode === 0 ? "Invalid HTTP Response: 503" : "OK",
    status_code: statusCode,
    event: "issue_comment",
    action: "created",
    installation_id: 42,
    repository_id: 7,
  };
}

describe("redeliverMissedWebhooks", () => {
  it("redelivers each delivery that failed within the window once, following the cursor", async () => {
    const scope = nock(API, { reqheaders: { authorization: /app-jwt/ } })
      .get("/app/hook/deliveries")
      .query({ per_page: "100" })
      .reply(
        200,
        [
          delivery(11, "failed-twice", 1, 502),
          delivery(10, "recorded", 1.5, 0),
          delivery(9, "ok-after-retry", 2, 202, true),
          delivery(8, "failed-twice", 3, 0),
        ],
        { link: `<${API}/app/hook/deliveries?per_page=100&cursor=v1_8>; rel="next"` },
      )
      .get("/app/hook/deliveries")
      .query({ per_page: "100", cursor: "v1_8" })
      .reply(200, [
        delivery(7, "ok-after-retry", 4, 0),
        delivery(6, "already-redelivered", 5, 0),
        delivery(5, "already-redelivered", 4.5, 500, true),
        delivery(4, "succeeded", 6, 200),
        delivery(3, "too-old", 30, 0),
      ])
      .post("/app/hook/deliveries/11/attempts")
      .reply(202, {});

    const report = await redeliverMissedWebhooks(github(), {
      windowHours: 24,
      isRecorded: async (guid) => guid === "recorded",
      log,
      now: () => NOW,
    });

    expect(report).toEqual({ redelivered: ["failed-twice"], refused: [], examined: 8 });
    expect(scope.isDone()).toBe(true);
  });

  it("stops paging at the window and reports a redelivery GitHub refuses", async () => {
    const scope = nock(API)
      .get("/app/hook/deliveries")
      .query({ per_page: "100" })
      .reply(200, [delivery(21, "refused", 0.5, 0), delivery(20, "outside", 3, 0)], {
        link: `<${API}/app/hook/deliveries?per_page=100&cursor=v1_20>; rel="next"`,
      })
      .post("/app/hook/deliveries/21/attempts")
      .reply(422, { message: "Validation Failed" });

    const report = await redeliverMissedWebhooks(github(), { windowHours: 2, isRecorded: async () => false, log, now: () => NOW });

    expect(report).toEqual({ redelivered: [], refused: [{ guid: "refused", status: 422 }], examined: 1 });
    expect(scope.isDone()).toBe(true);
  });
});
