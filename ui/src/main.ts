import "@fontsource-variable/inter";
import "./app.css";
import { mount } from "svelte";
import App from "./App.svelte";
import { applyInjectedBoot } from "./lib/shell.svelte";
import { markStartup } from "./lib/startupMarks";
import { applyTheme } from "./lib/theme";

markStartup("script");

// The remembered theme, language and view, before anything renders. Without them (they are asked
// for once mounted), follow the OS, so the first paint is already in the right colours.
if (applyInjectedBoot()) markStartup("boot");
else applyTheme("system");

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

export default mount(App, { target });
