import * as fs from "node:fs";

/**
 * The last `n` lines of `file`, reading at most its last `maxBytes` (logs and fit logs grow without
 * bound); [] when it does not exist. Trailing blank lines are dropped.
 */
export function tailLines(file: string, n: number, maxBytes = 65536): string[] {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return [];
  }
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, maxBytes);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString("utf8").split(/\r?\n|\r/);
    if (len < size) lines.shift(); // partial first line
    while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop();
    return lines.slice(-n);
  } finally {
    fs.closeSync(fd);
  }
}
