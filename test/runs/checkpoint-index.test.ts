/** TF checkpoint index files: the paths they list, and the newest listed file that exists. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newestListedCheckpoint, readCheckpointIndex } from "../../src/runs/checkpoint-index.js";

test("checkpoint index: paths oldest first; the newest that exists, relative to the folder or absolute", () => {
  const dir = mkdtempSync(join(tmpdir(), "ckpt-index-"));
  try {
    const abs = join(dir, "elsewhere-300.h5");
    const index = ['model_checkpoint_path: "lfads_vae-300.h5"', 'all_model_checkpoint_paths: "lfads_vae-100.h5"', 'all_model_checkpoint_paths: "lfads_vae-200.h5"', `all_model_checkpoint_paths: "${abs}"`].join("\n");
    writeFileSync(join(dir, "checkpoint"), index + "\n");
    assert.deepEqual(readCheckpointIndex(join(dir, "checkpoint")), ["lfads_vae-100.h5", "lfads_vae-200.h5", abs]);
    assert.equal(newestListedCheckpoint(dir, "checkpoint"), undefined, "none of the listed files exists yet");
    writeFileSync(join(dir, "lfads_vae-100.h5"), "");
    assert.equal(newestListedCheckpoint(dir, "checkpoint"), join(dir, "lfads_vae-100.h5"));
    writeFileSync(abs, "");
    assert.equal(newestListedCheckpoint(dir, "checkpoint"), abs, "the absolute path is taken as it is");
    assert.deepEqual(readCheckpointIndex(join(dir, "checkpoint_lve")), [], "a missing index lists nothing");
    assert.equal(newestListedCheckpoint(dir, "checkpoint_lve"), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
