import { svelte } from "@sveltejs/vite-plugin-svelte";
import { resolve } from "node:path";
import { defineConfig } from "vite";

// One start-up stage (PROBE_STAGE) built into PROBE_OUT, with the app's own build settings.
const stage = process.env.PROBE_STAGE ?? "blank";
export default defineConfig({
  root: resolve(import.meta.dirname, stage),
  base: "./",
  plugins: [svelte()],
  logLevel: "warn",
  build: {
    target: "safari15",
    outDir: process.env.PROBE_OUT ?? resolve(import.meta.dirname, "../../target/probe", stage),
    emptyOutDir: true,
    sourcemap: false,
  },
});
