/** A count as texts show it: thousands separated ("95,993"), whatever the machine's locale. */
export function formatCount(value: number): string {
  return value.toLocaleString("en-US");
}
