import * as fs from "node:fs";
import * as path from "node:path";

/** A temp path beside `target` (same directory, so the final rename is atomic on one filesystem). */
function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  return path.join(dir, `.${path.basename(target)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
}

/**
 * Write a file atomically: the content goes to a temp file in the same folder, then is renamed over the
 * target. A kill mid-write leaves the previous file (or nothing) — never a half-written one.
 */
export function writeFileAtomic(target: string, content: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Run `produce(tmpPath)` to create a file at a temp path, then rename it into place. */
export async function produceFileAtomic(target: string, produce: (tmpPath: string) => Promise<void> | void): Promise<void> {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    await produce(tmp);
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Create or replace a relative symlink `link` → `target` (like `ln -sfn`), atomically. */
export function symlinkRelative(target: string, link: string): void {
  fs.mkdirSync(path.dirname(link), { recursive: true });
  const rel = path.relative(path.dirname(link), target);
  const tmp = tempPathFor(link);
  fs.symlinkSync(rel, tmp);
  fs.renameSync(tmp, link);
}
