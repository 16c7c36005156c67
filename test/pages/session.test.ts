import { describe, expect, it } from "vitest";
import { html } from "../../src/pages/html.ts";
import { cookie, readCookies, SessionCodec } from "../../src/pages/session.ts";

describe("run page sessions", () => {
  const secret = "a-client-secret-of-some-length-0123";

  it("round-trips a session; the token is not readable in the cookie", () => {
    const codec = new SessionCodec(secret);
    const sealed = codec.sealSession(codec.newSession("reader", "ghu_sometoken1234567890", 60_000));
    expect(sealed).not.toContain("ghu_");
    expect(Buffer.from(sealed.split(".")[0] ?? "", "base64url").toString()).not.toContain("ghu_");
    expect(codec.openSession(sealed)).toMatchObject({ login: "reader", token: "ghu_sometoken1234567890" });
  });

  it("refuses an altered, foreign or expired cookie", () => {
    let now = 1_000;
    const codec = new SessionCodec(secret, () => now);
    const sealed = codec.sealSession(codec.newSession("reader", "ghu_token", 60_000));
    const [payload, mac] = sealed.split(".");
    const altered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload ?? "", "base64url").toString()), l: "admin" })).toString("base64url");
    expect(codec.openSession(`${altered}.${mac}`)).toBeNull();
    expect(new SessionCodec("another-secret-of-some-length-012345").openSession(sealed)).toBeNull();
    expect(codec.openSession(undefined)).toBeNull();
    now += 60_001;
    expect(codec.openSession(sealed)).toBeNull();
  });

  it("checks the OAuth state against its signed cookie", () => {
    const codec = new SessionCodec(secret);
    const state = codec.newState("/runs/abc");
    const sealed = codec.sealState(state);
    expect(codec.checkState(sealed, state.state)).toMatchObject({ next: "/runs/abc" });
    expect(codec.checkState(sealed, "forged")).toBeNull();
    expect(codec.checkState(sealed, null)).toBeNull();
    // A session cookie is not a state cookie.
    expect(codec.checkState(codec.sealSession(codec.newSession("x", "t", 1000)), state.state)).toBeNull();
  });

  it("sets cookies HttpOnly, SameSite=Lax, on /runs, Secure over https", () => {
    expect(cookie("droid_session", "v", { maxAgeSeconds: 60, secure: true })).toBe("droid_session=v; Path=/runs; Max-Age=60; HttpOnly; SameSite=Lax; Secure");
    expect(readCookies("a=1; droid_session=x.y; a=2")).toEqual(new Map([["a", "1"], ["droid_session", "x.y"]]));
  });
});

describe("html", () => {
  it("escapes every interpolated value and keeps only Html values as they are", () => {
    const body = "<script>alert(1)</script>\"' & <img src=x onerror=alert(1)>";
    const out = html`<div title="${body}">${body}${html`<b>${body}</b>`}${[body, 1]}</div>`.toString();
    expect(out).not.toMatch(/<script|<img/);
    expect(out).toContain("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39; &amp; &lt;img");
    expect(out).toContain("<b>&lt;script&gt;");
  });
});
