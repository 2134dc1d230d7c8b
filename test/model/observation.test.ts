// The observation-model registry: TF-free at run time, its names are c_output_dist's allowed values,
// and every model keeps its contract consistent (P columns per neuron through read-out, reported
// parameters, TF file layout and PosteriorMeans fields).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ParamError } from "../../src/core/errors.js";
import type { ObservationModel } from "../../src/model/observation/observation-model.js";
import { DEFAULT_OUTPUT_DIST, OUTPUT_DISTS, checkOutputDist, observationModel } from "../../src/model/observation/registry.js";
import { RunParams } from "../../src/params/run-params.js";
import { loadPosteriorMeans } from "../../src/posterior/read-posterior.js";
import { runLfadsFlag } from "../../src/run-lfads/flags.js";

test("the registry, its models and the posterior readers load no TensorFlow.js", () => {
  assert.equal(typeof loadPosteriorMeans, "function");
  assert.deepEqual(Object.keys(require.cache).filter((k) => k.includes("@tensorflow")), []);
});

test("the registry's names are c_output_dist's allowed values and run_lfads' --output_dist choices", () => {
  assert.deepEqual(OUTPUT_DISTS, ["poisson", "gaussian"]);
  assert.ok(OUTPUT_DISTS.includes(DEFAULT_OUTPUT_DIST));
  assert.equal(new RunParams().values.c_output_dist, DEFAULT_OUTPUT_DIST);
  for (const d of OUTPUT_DISTS) {
    assert.equal(observationModel(d).name, d);
    assert.equal(new RunParams({ c_output_dist: d }).values.c_output_dist, d);
  }
  assert.deepEqual(runLfadsFlag("output_dist")?.choices, OUTPUT_DISTS);
  assert.throws(() => checkOutputDist("gausian", "c_output_dist"), (e: Error) => e instanceof ParamError && /c_output_dist is "gausian"; expected one of poisson, gaussian\. Did you mean 'gaussian'\?/.test(e.message));
});

test("every model's contract is consistent: P·N columns from read-out to TF file to PosteriorMeans fields", async () => {
  const tf = await import("@tensorflow/tfjs");
  await tf.setBackend("cpu");
  const [B, T, N] = [2, 3, 4];
  const spikeBinMs = 10;
  for (const d of OUTPUT_DISTS) {
    const m: ObservationModel = observationModel(d);
    const P = m.paramsPerNeuron;
    assert.equal(m.readoutHeads.length, P, d);
    assert.ok(!m.identityReadout || P === 1, `${d}: an identity read-out gives N columns`);
    assert.ok(m.outputFields.includes(m.meanField), d);
    const rawValues = Float32Array.from({ length: B * T * P * N }, (_, i) => Math.sin(i) - 0.2);
    const counts = Float32Array.from({ length: B * T * N }, (_, i) => i % 3);
    tf.tidy(() => {
      const raw = tf.tensor3d(rawValues, [B, T, P * N]);
      const x = tf.tensor3d(counts, [B, T, N]);
      const constant = m.dataConstant ? tf.tensor1d(m.dataConstant(counts, B)) : undefined;
      assert.deepEqual(m.logLikelihood(raw, x, constant).shape, [B], d);
      assert.deepEqual(m.feedback(tf.reshape(raw, [B * T, P * N]) as never, true).shape, [B * T, N], d);
      const params = m.outputParams(raw);
      assert.deepEqual(params.shape, [B, T, P * N], d);
      // As a TF file holds them, read back with the reader's scale.
      const scale = m.readScale(spikeBinMs);
      const odp = { data: (params.dataSync() as Float32Array).map((v) => v * scale), shape: [B, T, P * N] as [number, number, number] };
      const outputs = m.fromTfParams(odp);
      assert.deepEqual(Object.keys(outputs).sort(), [...m.outputFields].sort(), d);
      for (const f of m.outputFields) assert.deepEqual(outputs[f]!.shape, [B, T, N], `${d} ${f}`);
      m.checkPosteriorOutputs(outputs);
      // The mean per bin undoes the read scale: the first N columns of the reported parameters (Poisson: rates; Gaussian: means).
      const means = m.meansPerBin(outputs, spikeBinMs);
      const first = tf.slice(params, [0, 0, 0], [B, T, N]).dataSync();
      means.data.forEach((v, i) => assert.ok(Math.abs(v - first[i]!) <= 1e-5 * Math.max(1, Math.abs(first[i]!)), `${d} mean ${i}: ${v} vs ${first[i]}`));
    });
  }
});
