import { describe, expect, it } from "vitest";
import { ThreadAnswers } from "../../src/agent/thread-answers.ts";
import { ToolRegistry } from "../../src/agent/tools/registry.ts";
import { finishTool } from "../../src/agent/tools/plan-tools.ts";
import { standardTools } from "../../src/agent/tools/standard.ts";
import { workerToolContext } from "../helpers/tool-context.ts";

const nameOf = (t: { name: string }) => t.name;

describe("the tools the model is shown", () => {
  it("are the standard set in a fixed order, run_tests only with a test command, a job's own after them", () => {
    const revision = new ToolRegistry([...standardTools({ hasTests: true }), new ThreadAnswers([]).tool]).declarations();
    expect(revision.map(nameOf)).toEqual(["str_replace_based_edit_tool", "bash", "search_code", "find_files", "run_tests", "update_plan", "finish", "reply_to_comment"]);
    expect(new ToolRegistry(standardTools({ hasTests: false })).declarations().map(nameOf)).toEqual([
      "str_replace_based_edit_tool",
      "bash",
      "search_code",
      "find_files",
      "update_plan",
      "finish",
    ]);
  });

  it("declare Anthropic's editor and bash by type, and the others with an object schema generated from their zod input", () => {
    const declared = new ToolRegistry([...standardTools({ hasTests: true }), new ThreadAnswers([]).tool]).declarations();
    expect(declared.slice(0, 2)).toEqual([
      { type: "text_editor_20250728", name: "str_replace_based_edit_tool", max_characters: 40_000 },
      { type: "bash_20250124", name: "bash" },
    ]);
    const required = Object.fromEntries(declared.flatMap((t) => ("input_schema" in t ? [[t.name, t.input_schema.required ?? []]] : [])));
    expect(required).toEqual({
      search_code: ["pattern"],
      find_files: ["pattern"],
      run_tests: [],
      update_plan: ["reason"],
      finish: ["summary"],
      reply_to_comment: ["comment_id", "body", "changed"],
    });
    expect(declared.filter((t) => "input_schema" in t && "$schema" in t.input_schema)).toEqual([]);
    // The whole declaration, so any drift in names, descriptions or schemas shows in review.
    expect(declared).toMatchSnapshot();
  });

  it("mark the tools that never change the work tree as read-only", () => {
    const tools = [...standardTools({ hasTests: true }), new ThreadAnswers([]).tool];
    expect(tools.filter((t) => t.readOnly).map(nameOf)).toEqual(["search_code", "find_files", "update_plan", "finish", "reply_to_comment"]);
  });
});

describe("dispatch", () => {
  const registry = new ToolRegistry(standardTools({ hasTests: false }));

  it("answers an unknown tool and an invalid input with an error the model can correct", async () => {
    const context = workerToolContext();
    expect(await registry.run("run_tests", {}, context)).toEqual({
      kind: "answer",
      text: "There is no tool named run_tests.",
      isError: true,
      stub: "unknown tool run_tests",
      viewedPath: null,
      planCheck: false,
    });
    expect(await registry.run("str_replace_based_edit_tool", { command: "view" }, context)).toMatchObject({ isError: true, text: "Invalid input: path: Invalid input: expected string, received undefined" });
    expect(await registry.run("finish", { summary: "" }, context)).toMatchObject({ kind: "answer", isError: true, stub: "finish: invalid input" });
  });

  it("runs a tool with its parsed input: update_plan applies the defaults and asks for a plan check when a subtask is done", async () => {
    const context = workerToolContext();
    const outcome = await registry.run("update_plan", { reason: "S1 is written", updates: [{ id: "S1", state: "done" }] }, context);
    expect(outcome).toMatchObject({ kind: "answer", isError: false, planCheck: true, stub: "update_plan — S1 is written" });
    expect(context.plan.subtasks.find((s) => s.id === "S1")?.state).toBe("done");
    expect(await registry.run("finish", { summary: "Fixed it." }, context)).toEqual({ kind: "finish", summary: "Fixed it." });
  });

  it("refuses two tools of the same name", () => {
    expect(() => new ToolRegistry([finishTool, finishTool])).toThrow("Two agent tools are named finish");
  });
});
