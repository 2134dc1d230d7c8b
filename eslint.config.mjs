// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import stageOrder from "./eslint/stage-order.mjs";

const TF_ALLOWED = ["src/model/**", "src/train/**", "src/posterior/**", "src/tf.ts", "test/**", "bench/**"];

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "tmp/**", ".scratch/**", "tmp-cell-*/**", "lfads_demo/**", "notebooks/lorenz_example/**", "bench/peer/**", "**/*.wasm", "src/kernels/wasm/**/*.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", Buffer: "readonly", console: "readonly", require: "readonly", module: "readonly", __dirname: "readonly", setTimeout: "readonly", clearTimeout: "readonly", setInterval: "readonly", clearInterval: "readonly", performance: "readonly", SharedArrayBuffer: "readonly", Atomics: "readonly", WebAssembly: "readonly", URL: "readonly", TextDecoder: "readonly", TextEncoder: "readonly", queueMicrotask: "readonly", structuredClone: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  {
    // TensorFlow.js stays inside model/, train/ and posterior/ (the brief's layering rule).
    files: ["src/**/*.ts"],
    ignores: TF_ALLOWED,
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["@tensorflow/*"], message: "TensorFlow.js may only be imported in src/model, src/train, src/posterior and src/tf.ts" }] }],
    },
  },
  {
    // Rooms import only their own and earlier rooms of the stage order (eslint/stage-order.mjs lists it).
    files: ["src/**/*.ts"],
    plugins: { stages: stageOrder },
    rules: { "stages/stage-order": ["error", { srcDir: `${import.meta.dirname}/src` }] },
  },
);
