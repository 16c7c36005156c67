/**
 * Time as texts show it. `formatDuration` is exact for a footer ("4 min 12 s");
 * `roughDuration` is what a status line says ("4 min", "1 h 5 min", "40 s");
 * `preciseDuration` keeps tenths under a minute, for a command or a phase ("1.2 s").
 */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function roughDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h${min % 60 === 0 ? "" : ` ${min % 60} min`}`;
}

export function preciseDuration(ms: number): string {
  return ms < 59_950 ? `${(ms / 1000).toFixed(1)} s` : formatDuration(ms);
}
