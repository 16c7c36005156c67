/**
 * A tar writer for the one archive that is large: a whole work tree streamed in (files and
 * links only, one owner, one mtime). Headers are written straight into large chunks (ustar; a
 * name or link target that does not fit gets a pax record first, as GNU tar and tar-stream
 * write it), so 50,000 files cost ~1 µs each instead of tar-stream's stream machinery per
 * entry — the worker's CPU is what the sandbox's `tar -x` competes with on a small machine.
 */
const BLOCK = 512;

export interface TarFileEntry {
  name: string;
  type: "file" | "symlink";
  /** Permission bits (0o644, 0o755; 0o777 for a link). */
  mode: number;
  content?: Uint8Array;
  linkname?: string;
}

export interface TarOwner {
  uid: number;
  gid: number;
  /** Seconds since the epoch, for every entry. */
  mtimeSeconds: number;
}

/** The archive of `entries` in chunks of about `chunkBytes`, ending with the two zero blocks. */
export async function* encodeTar(entries: AsyncIterable<TarFileEntry>, owner: TarOwner, chunkBytes = 1024 * 1024): AsyncGenerator<Buffer> {
  // Entries are written in place into zeroed chunks: no buffer per header, padding already there.
  let chunk = Buffer.alloc(chunkBytes);
  let used = 0;
  for await (const entry of entries) {
    const content = entry.type === "file" ? (entry.content ?? new Uint8Array(0)) : new Uint8Array(0);
    const pax = paxBody(entry);
    const needed = (pax ? BLOCK + blocks(pax.length) : 0) + BLOCK + blocks(content.byteLength);
    if (used + needed > chunk.length) {
      if (used > 0) yield chunk.subarray(0, used);
      chunk = Buffer.alloc(Math.max(chunkBytes, needed));
      used = 0;
    }
    if (pax) {
      writeHeader(chunk, used, { name: truncate(`PaxHeader/${entry.name.split("/").pop() ?? ""}`, 100), prefix: "", mode: 0o644, size: pax.length, typeflag: "x", linkname: "", owner });
      pax.copy(chunk, used + BLOCK);
      used += BLOCK + blocks(pax.length);
    }
    const split = splitName(entry.name);
    writeHeader(chunk, used, {
      name: split?.name ?? truncate(entry.name, 100),
      prefix: split?.prefix ?? "",
      mode: entry.mode,
      size: content.byteLength,
      typeflag: entry.type === "file" ? "0" : "2",
      linkname: truncate(entry.linkname ?? "", 100),
      owner,
    });
    chunk.set(content, used + BLOCK);
    used += BLOCK + blocks(content.byteLength);
  }
  // The end of the archive: two zero blocks.
  if (used + 2 * BLOCK > chunk.length) {
    yield chunk.subarray(0, used);
    chunk = Buffer.alloc(2 * BLOCK);
    used = 0;
  }
  yield chunk.subarray(0, used + 2 * BLOCK);
}

const blocks = (bytes: number) => Math.ceil(bytes / BLOCK) * BLOCK;

/** The pax records an entry needs (a name or link target too long for ustar), or null. */
function paxBody(entry: TarFileEntry): Buffer | null {
  const records: string[] = [];
  if (splitName(entry.name) === null) records.push(paxRecord("path", entry.name));
  if (entry.type === "symlink" && Buffer.byteLength(entry.linkname ?? "") > 100) records.push(paxRecord("linkpath", entry.linkname ?? ""));
  return records.length === 0 ? null : Buffer.from(records.join(""), "utf8");
}

/** ustar's name and prefix for a path (split at a `/`), or null when it fits neither way. */
function splitName(name: string): { name: string; prefix: string } | null {
  const bytes = Buffer.byteLength(name);
  if (bytes <= 100) return { name, prefix: "" };
  if (bytes > 256) return null;
  for (let slash = name.indexOf("/"); slash >= 0; slash = name.indexOf("/", slash + 1)) {
    const prefix = name.slice(0, slash);
    const rest = name.slice(slash + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== "") return { name: rest, prefix };
  }
  return null;
}

/** A pax record: its own length in decimal (counting those digits), a space, key=value, a newline. */
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  const restBytes = Buffer.byteLength(rest);
  let length = restBytes + String(restBytes).length;
  if (String(length).length !== String(restBytes).length) length = restBytes + String(length).length;
  return `${length}${rest}`;
}

/** At most `bytes` bytes of `text` (the pax record carries the whole). */
function truncate(text: string, bytes: number): string {
  const buffer = Buffer.from(text, "utf8");
  return buffer.length <= bytes ? text : buffer.subarray(0, bytes).toString("utf8").replace(/\uFFFD+$/, "");
}

/** A ustar header at `at` of `chunk` (whose bytes there are zero). */
function writeHeader(chunk: Buffer, at: number, fields: { name: string; prefix: string; mode: number; size: number; typeflag: string; linkname: string; owner: TarOwner }): void {
  const block = chunk.subarray(at, at + BLOCK);
  block.write(fields.name, 0, 100, "utf8");
  octal(block, fields.mode, 100, 8);
  octal(block, fields.owner.uid, 108, 8);
  octal(block, fields.owner.gid, 116, 8);
  octal(block, fields.size, 124, 12);
  octal(block, fields.owner.mtimeSeconds, 136, 12);
  block.write(fields.typeflag, 156, 1, "latin1");
  block.write(fields.linkname, 157, 100, "utf8");
  block.write("ustar\u000000", 257, 8, "latin1");
  block.write(fields.prefix, 345, 155, "utf8");
  // The checksum: the sum of the header's bytes with its own field counted as spaces.
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, 8, "latin1");
}

/** A number as zero-padded octal filling the field but its last byte (a NUL). */
function octal(block: Buffer, value: number, offset: number, length: number): void {
  const digits = value.toString(8);
  if (digits.length > length - 1) throw new Error(`${value} does not fit a tar header field of ${length} bytes`);
  block.write(`${digits.padStart(length - 1, "0")}\u0000`, offset, length, "latin1");
}
