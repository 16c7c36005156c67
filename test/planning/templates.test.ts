import { describe, expect, it } from "vitest";
import { BUILT_IN_KINDS } from "../../src/planning/schema.ts";
import { loadBuiltInTemplates, loadTemplates, parseTemplate, templateForLabels } from "../../src/planning/templates.ts";

describe("plan templates", () => {
  it("ships one template per built-in kind, each with checks", async () => {
    const templates = await loadBuiltInTemplates();
    expect(templates.map((t) => t.kind).sort()).toEqual([...BUILT_IN_KINDS].sort());
    for (const t of templates) {
      expect(t.source).toBe("built-in");
      expect(t.checks.length).toBeGreaterThanOrEqual(3);
    }
    expect(templates.find((t) => t.kind === "bug-fix")?.checks.map((c) => c.id)).toEqual(["reproduce", "root-cause", "regression-test", "blast-radius"]);
  });

  it("lets a repo override a kind, add a kind, and reports broken files instead of failing", async () => {
    const set = await loadTemplates(async () => [
      { name: "bug-fix.md", text: "---\nkind: bug-fix\ntitle: Our bug fix\nlabels: bug, kaputt\n---\n## Checks\n- `ticket`: Link the support ticket.\n" },
      { name: "security.md", text: "---\nkind: security\ntitle: Security fix\nlabels: security\n---\n## Checks\n- `cve`: Name the CVE.\n- `disclosure`: Coordinate disclosure.\n" },
      { name: "broken.md", text: "no front matter here" },
      { name: "bad-kind.md", text: "---\nkind: Not A Kind\ntitle: x\n---\n" },
    ]);
    const bug = set.templates.find((t) => t.kind === "bug-fix");
    expect(bug).toMatchObject({ title: "Our bug fix", source: "repo", labels: ["bug", "kaputt"], checks: [{ id: "ticket", text: "Link the support ticket." }] });
    expect(set.templates.find((t) => t.kind === "security")?.checks.map((c) => c.id)).toEqual(["cve", "disclosure"]);
    expect(set.templates).toHaveLength(8);
    expect(set.problems).toEqual([
      { file: "bad-kind.md", reason: expect.stringContaining("kind") },
      { file: "broken.md", reason: "missing front matter (--- kind/title/labels ---)" },
    ]);
  });

  it("picks the kind from the first label that selects a template", async () => {
    const set = await loadTemplates(async () => []);
    expect(templateForLabels(set, ["droid", "Enhancement"])?.kind).toBe("feature");
    expect(templateForLabels(set, ["droid", "regression", "documentation"])?.kind).toBe("bug-fix");
    expect(templateForLabels(set, ["droid", "dependency-upgrade"])?.kind).toBe("dependency-upgrade");
    expect(templateForLabels(set, ["droid", "question"])).toBeNull();
  });

  it("rejects a template without front matter", () => {
    expect(() => parseTemplate("# Just markdown", "repo")).toThrow("missing front matter");
  });
});
