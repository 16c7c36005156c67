/**
 * Reading Prometheus's text format in tests with a real parser (parse-prometheus-text-format):
 * a family, one labelled sample, one labelled histogram.
 */
import parsePrometheusTextFormat, { type PrometheusFamily } from "parse-prometheus-text-format";

export function family(families: PrometheusFamily[], name: string): PrometheusFamily {
  const found = families.find((f) => f.name === name);
  if (!found) throw new Error(`no metric ${name}`);
  return found;
}

export function sample(families: PrometheusFamily[], name: string, labels: Record<string, string>) {
  return family(families, name).metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
}

/**
 * One labelled histogram, parsed. parse-prometheus-text-format reads count, sum and buckets of a
 * histogram only when its samples carry no labels but `le` (it merges labelled ones): the
 * exposition is cut to the histogram's samples with `labels`, whose other labels are dropped.
 */
export function histogram(text: string, name: string, labels: Record<string, string>): { count?: string; sum?: string; buckets?: Record<string, string> } {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const lines = text.split("\n").flatMap((line) => {
    if (line === `# TYPE ${name} histogram` || line.startsWith(`# HELP ${name} `)) return [line];
    const m = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (!m || ![`${name}_bucket`, `${name}_sum`, `${name}_count`].includes(m[1] ?? "")) return [];
    const own = (m[2] ?? "").split(",");
    if (!wanted.every((l) => own.includes(l))) return [];
    const le = own.filter((l) => l.startsWith("le="));
    return [`${m[1]}${le.length > 0 ? `{${le.join(",")}}` : ""} ${m[3]}`];
  });
  const [parsed] = parsePrometheusTextFormat(`${lines.join("\n")}\n`);
  return parsed?.metrics[0] ?? {};
}
