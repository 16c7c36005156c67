/**
 * A repository that is itself a library (a package, a gem, a crate, a Go module) shows
 * its own code in traces under `node_modules/`, `site-packages/`, `gems/`, `vendor/`, the cargo
 * registry, a GOPATH or as a Dart `package:<name>/`: those frames are the repository's, not a dependency's.
 */
import type { StackFrame, StackTrace } from "./types.ts";

export interface RepositoryName {
  owner: string;
  name: string;
}

export function withOwnCode(trace: StackTrace, repository: RepositoryName): StackTrace {
  const own = ownCodeMatcher(repository);
  return { ...trace, exceptions: trace.exceptions.map((e) => ({ ...e, frames: e.frames.map((f) => (!f.inApp && own(f) ? { ...f, inApp: true } : f)) })) };
}

function ownCodeMatcher({ owner, name }: RepositoryName): (frame: StackFrame) => boolean {
  const names = packageNames(name);
  const alternatives = names.map(escape).join("|");
  const inLibraryDir = new RegExp(`(?:^|[\\\\/])(?:node_modules(?:[\\\\/]@[\\w.-]+)?|site-packages|dist-packages|gems|vendor)[\\\\/](?:${alternatives})(?:-\\d[\\w.-]*)?[\\\\/]`, "i");
  const dartPackage = new RegExp(`^package:(?:${alternatives})/`, "i");
  const inCargo = new RegExp(`\\.cargo[\\\\/]registry[\\\\/]src[\\\\/][^\\\\/]+[\\\\/](?:${alternatives})-\\d[\\w.-]*[\\\\/]`, "i");
  const goModule = `github.com/${owner}/${name}`.toLowerCase();
  return (frame) => {
    const file = frame.file.replace(/\\/g, "/");
    if (inLibraryDir.test(file) || inCargo.test(file) || dartPackage.test(file)) return true;
    if (file.toLowerCase().includes(`/${goModule}/`) || file.toLowerCase().includes(`/${goModule}@`)) return true;
    return (frame.function ?? "").toLowerCase().startsWith(`${goModule}.`) || (frame.function ?? "").toLowerCase().startsWith(`${goModule}/`);
  };
}

/** `Squirrel.Windows` → squirrel.windows, squirrel; `ka-lite` → ka-lite, ka_lite, kalite. */
function packageNames(name: string): string[] {
  const lower = name.toLowerCase();
  const base = lower.replace(/\.(?:js|py|rb|rs|go|net|windows)$/, "");
  return [...new Set([lower, base, base.replace(/-/g, "_"), base.replace(/_/g, "-"), base.replace(/[-_]/g, "")])];
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
