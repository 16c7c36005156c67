import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { markdownToAdf } from "../../src/jira/adf.ts";
import { JiraApiError, JiraClient, retryDelayMs } from "../../src/jira/client.ts";
import { readJiraSettings } from "../../src/jira/settings.ts";
import { SettingsError } from "../../src/config/settings.ts";
import { JIRA_EMAIL, JIRA_TOKEN, shopTicket, TICKET_ID } from "../helpers/jira.ts";
import { FakeJira } from "../helpers/jira-server.ts";

let jira: FakeJira;
let slept: number[];
let client: JiraClient;

beforeEach(async () => {
  jira = await FakeJira.start({ email: JIRA_EMAIL, apiToken: JIRA_TOKEN });
  jira.ticket(shopTicket());
  slept = [];
  client = new JiraClient({ baseUrl: jira.url, flavour: "cloud", credentials: { kind: "basic", email: JIRA_EMAIL, apiToken: JIRA_TOKEN }, sleep: async (ms) => void slept.push(ms) });
});

afterEach(() => jira.close());

describe("JiraClient", () => {
  it("reads a ticket's fields: description as Markdown, links, sub-tasks, parent, attachment names", async () => {
    const issue = await client.getIssue("SHOP-7");
    expect(issue).toMatchObject({
      id: TICKET_ID,
      key: "SHOP-7",
      projectKey: "SHOP",
      labels: ["droid"],
      links: [{ relation: "blocks", key: "SHOP-9", summary: "Welcome page for guests", status: "To Do" }],
      subtasks: [{ key: "SHOP-8", summary: "Add a test for empty names", status: "To Do" }],
      parent: { key: "SHOP-1", summary: "Guest checkout" },
      attachments: ["crash.log"],
    });
    expect(issue.description).toContain("Calling `greet(\"\")` throws");
    jira.assertDone();
  });

  it("calls the API at its own address (Atlassian's gateway) while ticket links go to the site", async () => {
    const gateway = new JiraClient({
      baseUrl: "https://acme.atlassian.net",
      apiUrl: `${jira.url}/ex/jira/11223344-a1b2-4c3d-8e9f-0a1b2c3d4e5f/`,
      flavour: "cloud",
      credentials: { kind: "basic", email: JIRA_EMAIL, apiToken: JIRA_TOKEN },
    });
    expect((await gateway.getIssue("SHOP-7")).key).toBe("SHOP-7");
    expect(gateway.browseUrl("SHOP-7")).toBe("https://acme.atlassian.net/browse/SHOP-7");
    jira.assertDone();
  });

  it("retries a 429 after Retry-After, then succeeds", async () => {
    jira.throttle = 2;
    expect((await client.transitions(TICKET_ID)).map((t) => t.name)).toEqual(["To Do", "In Progress", "In Review", "Done"]);
    expect(slept).toEqual([0, 0]);
    jira.assertDone();
  });

  it("gives up after its attempts and says what Jira answered", async () => {
    jira.throttle = 10;
    await expect(client.transitions(TICKET_ID)).rejects.toThrow(JiraApiError);
    expect(slept).toHaveLength(3);
  });

  it("moves a ticket by a transition's name, and says when the workflow has none by that name", async () => {
    jira.expectWrites({ transition: 1 });
    expect(await client.transitionByName(TICKET_ID, "in review")).toBe(true);
    expect(await client.transitionByName(TICKET_ID, "Won't do")).toBe(false);
    expect(jira.writes.map((w) => w.target)).toEqual(["31"]);
    jira.assertDone();
  });
});

describe("retryDelayMs", () => {
  it("honours Retry-After in seconds, caps it at a minute, and backs off without one", () => {
    expect(retryDelayMs("3", 1)).toBe(3000);
    expect(retryDelayMs("600", 1)).toBe(60_000);
    expect([retryDelayMs(null, 1), retryDelayMs(null, 2), retryDelayMs(null, 3)]).toEqual([1000, 2000, 4000]);
  });
});

describe("readJiraSettings", () => {
  const base = {
    DROID_JIRA_WEBHOOK_SECRET: "s3cret",
    DROID_JIRA_BASE_URL: "https://acme.atlassian.net/",
    DROID_JIRA_EMAIL: "droid@acme.example",
    DROID_JIRA_API_TOKEN: "token",
    DROID_JIRA_PROJECTS: "SHOP=acme/web,OPS=acme/api@12345",
    DROID_JIRA_USERS: "Ada@Acme.example=ada,5b10a2844c20165700ede21g=octocat",
  };

  it("is off without a secret, and reads projects, people and credentials with one", () => {
    expect(readJiraSettings({})).toBeNull();
    const settings = readJiraSettings(base);
    expect(settings?.baseUrl).toBe("https://acme.atlassian.net");
    expect(settings?.apiUrl).toBe("https://acme.atlassian.net");
    expect(settings?.projects.get("OPS")).toEqual({ key: "OPS", owner: "acme", repo: "api", installationId: 12345, transitions: { fixStarted: null, pullRequestReady: null, pullRequestMerged: null } });
    expect([...(settings?.users ?? [])]).toEqual([["ada@acme.example", "ada"], ["5b10a2844c20165700ede21g", "octocat"]]);
    expect(settings?.credentials).toEqual({ kind: "basic", email: "droid@acme.example", apiToken: "token" });
  });

  it("reads a project file with transitions, and prefers a bearer token", () => {
    const file = "projects:\n  SHOP:\n    repo: acme/web\n    transitions: { fixStarted: In Progress, pullRequestReady: In Review, pullRequestMerged: Done }\n";
    const settings = readJiraSettings({ ...base, DROID_JIRA_PROJECTS: "/etc/droid/jira.yml", DROID_JIRA_BEARER_TOKEN: "oauth" }, () => file);
    expect(settings?.projects.get("SHOP")?.transitions).toEqual({ fixStarted: "In Progress", pullRequestReady: "In Review", pullRequestMerged: "Done" });
    expect(settings?.credentials).toEqual({ kind: "bearer", token: "oauth" });
  });

  it("calls the REST API through Atlassian's gateway when told to, and links to the site", () => {
    const gateway = "https://api.atlassian.com/ex/jira/11223344-a1b2-4c3d-8e9f-0a1b2c3d4e5f";
    const settings = readJiraSettings({ ...base, DROID_JIRA_API_URL: `${gateway}/`, DROID_JIRA_BEARER_TOKEN: "scoped" });
    expect(settings).toMatchObject({ baseUrl: "https://acme.atlassian.net", apiUrl: gateway });
    expect(() => readJiraSettings({ ...base, DROID_JIRA_API_URL: "ftp://api.atlassian.com" })).toThrow(/DROID_JIRA_API_URL/);
  });

  it("names what is missing or wrong", () => {
    expect(() => readJiraSettings({ ...base, DROID_JIRA_USERS: undefined })).toThrow(/DROID_JIRA_USERS/);
    expect(() => readJiraSettings({ ...base, DROID_JIRA_PROJECTS: "shop=acme/web" })).toThrow(SettingsError);
    expect(() => readJiraSettings({ ...base, DROID_JIRA_API_TOKEN: undefined })).toThrow(/credentials missing/);
  });
});

describe("JiraClient on Jira Data Center (REST v2)", () => {
  it("sends comments as wiki markup with a personal access token, and finds people by user name", async () => {
    const dc = await FakeJira.start({ personalAccessToken: "dc-pat" });
    try {
      dc.ticket({ ...shopTicket(), fields: { ...shopTicket().fields, description: "Calling {{greet(\"\")}} throws." } })
        .user({ accountId: "ada", displayName: "Ada Lovelace", emailAddress: "ada@acme.example", accountType: "atlassian" })
        .expectWrites({ comment: 1 });
      const v2 = new JiraClient({ baseUrl: dc.url, flavour: "datacenter", credentials: { kind: "bearer", token: "dc-pat" } });
      expect((await v2.getIssue("SHOP-7")).description).toBe('Calling {{greet("")}} throws.');
      expect((await v2.getUser("ada")).emailAddress).toBe("ada@acme.example");
      await v2.addComment(TICKET_ID, markdownToAdf("### Result\n\nOpened **#7**, see [the run](https://droid.example/runs/1).\n\n- `src/greet.js`\n  - nested\n\n```js\nx()\n```"));
      expect(dc.writes[0]?.body).toEqual({ body: "h3. Result\n\nOpened *#7*, see [the run|https://droid.example/runs/1].\n\n* {{src/greet.js}}\n* nested\n\n{code:js}\nx()\n{code}" });
      dc.assertDone();
    } finally {
      await dc.close();
    }
  });
});
