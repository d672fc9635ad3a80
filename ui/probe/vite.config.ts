import { svelte } from "@sveltejs/vite-plugin-svelte";
import { resolve } from "node:path";
import { defineConfig } from "vite";
import { preloadLatinFont } from "../build/preloadLatinFont.ts";

// One start-up stage (PROBE_STAGE) built into PROBE_OUT, with the app's own build settings.
const stage = process.env.PROBE_STAGE ?? "blank";
export default defineConfig({
  root: resolve(import.meta.dirname, stage),
  base: "./",
  // The stages that load Inter ask for it as early as the app does.
  plugins: [svelte(), ...(stage === "styles" || stage === "app" ? [preloadLatinFont()] : [])],
  logLevel: "warn",
  build: {
    target: "safari15",
    outDir: process.env.PROBE_OUT ?? resolve(import.meta.dirname, "../../target/probe", stage),
    emptyOutDir: true,
    sourcemap: false,
  },
});
