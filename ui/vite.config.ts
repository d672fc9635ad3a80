import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";
import { defineConfig } from "vitest/config";
import { preloadLatinFont } from "./build/preloadLatinFont.ts";

// The UI is embedded into the Tauri binary from ui/dist; no dev server is needed for a build.
export default defineConfig({
  plugins: [svelte(), svelteTesting(), preloadLatinFont()],
  clearScreen: false,
  build: {
    target: "safari15",
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    setupFiles: ["src/test-setup.ts"],
    // CSS is processed, not blanked: the contrast test reads the design tokens from app.css.
    css: { include: [/app\.css/] },
  },
});
