import { closeSync, constants, fstatSync, openSync, readSync, Stats } from "node:fs";

/**
 * Reading `tenancy.yaml` as hostile input: it arrives in pull requests, so its path may be a
 * link to `/dev/zero`, a FIFO that never ends, or a file far larger than any layout. Only a
 * regular file is read, never through a link, and never more than `LAYOUT_MAX_BYTES`.
 */

/** The largest layout read: 80,000 members in flow style take about 4 MB. */
export const LAYOUT_MAX_BYTES = 8 * 1024 * 1024;

/** A layout path that names no readable regular file of a sane size; the message says why. */
export class LayoutFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LayoutFileError";
  }
}

/** The text of the regular file at `path`, refused (with a sentence) when it is anything else. */
export function readLayoutText(path: string): string {
  const fd = open(path);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new LayoutFileError(`${path} is ${kindOf(stat)}, not a regular file; a tenancy layout is read only from a regular file`);
    if (stat.size > LAYOUT_MAX_BYTES) throw tooLarge(path);
    // The file may grow between fstat and read: read one byte past the cap to notice.
    const buf = Buffer.alloc(Math.min(stat.size, LAYOUT_MAX_BYTES) + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buf.length; length += n) n = readSync(fd, buf, length, buf.length - length, null);
    if (length > LAYOUT_MAX_BYTES) throw tooLarge(path);
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(0, length));
    } catch {
      throw new LayoutFileError(`${path} is not UTF-8 text; a tenancy layout is a YAML document in UTF-8`);
    }
  } finally {
    closeSync(fd);
  }
}

function open(path: string): number {
  try {
    // O_NOFOLLOW: a link is refused rather than followed to whatever it names; O_NONBLOCK: opening
    // a FIFO returns at once instead of waiting for a writer (fstat then refuses it).
    return openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ELOOP") throw new LayoutFileError(`${path} is a symbolic link; a tenancy layout is read only from a regular file, named by its own path`);
    if (code === "ENOENT") throw new LayoutFileError(`${path} does not exist`);
    throw err;
  }
}

function tooLarge(path: string): LayoutFileError {
  return new LayoutFileError(`${path} is larger than ${LAYOUT_MAX_BYTES / 1024 / 1024} MiB, the most a tenancy layout may hold`);
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a FIFO (named pipe)";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
  if (stat.isSocket()) return "a socket";
  return "something else";
}
