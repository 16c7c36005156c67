/**
 * Another process that takes a SQLite database's write lock and holds it until killed,
 * as a stuck `droid worker` or an operator's `sqlite3` shell would.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";

export async function holdWriteLock(file: string): Promise<ChildProcess> {
  const script = `const { DatabaseSync } = require("node:sqlite");
    const db = new DatabaseSync(${JSON.stringify(file)});
    db.exec("BEGIN IMMEDIATE"); db.exec("UPDATE jobs SET attempts = attempts");
    process.stdout.write("locked\\n"); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
  if (chunk.toString() !== "locked\n") throw new Error(`lock holder said ${chunk.toString()}`);
  return child;
}

export async function release(holder: ChildProcess): Promise<void> {
  if (holder.exitCode !== null || holder.signalCode !== null) return;
  const exited = once(holder, "exit");
  holder.kill("SIGKILL");
  await exited;
}
