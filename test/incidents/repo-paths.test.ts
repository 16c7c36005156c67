import { describe, expect, it } from "vitest";
import { locateFrame, normalisePath, RepoFiles } from "../../src/incidents/repo-paths.ts";
import type { StackFrame } from "../../src/incidents/stacktrace/index.ts";

const files = new RepoFiles([
  "shop/orders/service.py",
  "shop/views.py",
  "web/src/components/Cart.tsx",
  "web/src/users/service.ts",
  "services/api/src/main/java/com/acme/shop/orders/OrderService.java",
  "orders/service.go",
  "app/models/order.rb",
  "a/util.js",
  "b/util.js",
  "README.md",
]);

const frame = (file: string, line: number | null = 10, inApp = true, column: number | null = null): StackFrame => ({
  file,
  line,
  column,
  function: null,
  inApp,
});

describe("normalisePath", () => {
  it.each([
    ["/app/shop/views.py", "shop/views.py"],
    ["/usr/src/app/shop/views.py", "shop/views.py"],
    ["/var/task/handler.py", "handler.py"],
    ["webpack:///./src/components/Cart.tsx", "src/components/Cart.tsx"],
    ["webpack://shop-web/./src/components/Cart.tsx", "src/components/Cart.tsx"],
    ["app:///src/users/service.ts", "src/users/service.ts"],
    ["https://shop.example.com/static/js/app.js?v=3", "static/js/app.js"],
    ["file:///home/dev/shop/web/src/x.ts", "home/dev/shop/web/src/x.ts"],
    ["./shop/views.py", "shop/views.py"],
    ["C:\\build\\shop\\views.py", "build/shop/views.py"],
  ])("%s → %s", (input, expected) => {
    expect(normalisePath(input)).toBe(expected);
  });
});

describe("locateFrame", () => {
  it("places container paths, bundler paths and Java package paths by suffix", () => {
    expect(locateFrame(frame("/app/shop/orders/service.py", 45), files)).toEqual({ kind: "repo", path: "shop/orders/service.py", line: 45, how: "exact" });
    expect(locateFrame(frame("webpack:///./src/components/Cart.tsx"), files)).toMatchObject({ kind: "repo", path: "web/src/components/Cart.tsx", how: "suffix" });
    expect(locateFrame(frame("com/acme/shop/orders/OrderService.java"), files)).toMatchObject({
      kind: "repo",
      path: "services/api/src/main/java/com/acme/shop/orders/OrderService.java",
    });
    expect(locateFrame(frame("/home/runner/work/shop/shop/orders/service.go", 57), files)).toMatchObject({ kind: "repo", path: "orders/service.go" });
    expect(locateFrame(frame("app/models/order.rb"), files)).toMatchObject({ kind: "repo", path: "app/models/order.rb", how: "exact" });
  });

  it("tries source roots first", () => {
    expect(locateFrame(frame("/app/src/users/service.ts"), files, { sourceRoots: ["web"] })).toMatchObject({
      kind: "repo",
      path: "web/src/users/service.ts",
      how: "source-root",
    });
  });

  it("says when a frame cannot be placed, and why", () => {
    expect(locateFrame(frame("/srv/lib/util.js"), files)).toEqual({ kind: "ambiguous", candidates: ["a/util.js", "b/util.js"] });
    expect(locateFrame(frame("/app/node_modules/express/lib/router.js", 1, false), files)).toMatchObject({ kind: "vendor" });
    expect(locateFrame(frame("/app/billing/invoice.py", 3, true), files)).toEqual({
      kind: "not-found",
      file: "/app/billing/invoice.py",
      normalised: "billing/invoice.py",
    });
    expect(locateFrame(frame("https://cdn.example.com/static/js/main.4f3a9b2c.js", 1, true, 20345), files)).toMatchObject({ kind: "minified" });
    expect(locateFrame(frame("https://cdn.example.com/app.js", 1, true, 48211), files)).toMatchObject({ kind: "minified" });
  });
});
