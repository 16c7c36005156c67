/**
 * What each model accepts, where it differs. Forced tool choice (`tool_choice` of type
 * `tool` or `any`) returns HTTP 400 on the Claude 5.5 generation (and Fable/Mythos 5.1+);
 * there Droid asks for the tool in the prompt with `tool_choice: auto` and relies on the
 * repair round when the model answers in prose.
 */
const FORCED_TOOL_CHOICE = [
  "claude-sonnet-5",
  "claude-opus-5",
  "claude-fable-5",
  "claude-mythos-5",
  "claude-opus-4",
  "claude-sonnet-4",
  "claude-haiku-4",
];
const NO_FORCED_TOOL_CHOICE = [
  "claude-sonnet-5-5",
  "claude-opus-5-5",
  "claude-haiku-5-5",
  "claude-fable-5-1",
  "claude-fable-5-2",
  "claude-mythos-5-1",
  "claude-mythos-5-2",
];

function longestMatch(id: string, keys: string[]): number {
  return keys.reduce((best, key) => (id.includes(key) ? Math.max(best, key.length) : best), 0);
}

/** Whether `tool_choice: {type: "tool"}` is accepted. Unknown models: no (auto always works). */
export function supportsForcedToolChoice(modelId: string): boolean {
  const id = modelId.toLowerCase().replaceAll(".", "-");
  return longestMatch(id, FORCED_TOOL_CHOICE) > longestMatch(id, NO_FORCED_TOOL_CHOICE);
}
