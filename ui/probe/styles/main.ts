import "@fontsource-variable/inter";
import "../../src/app.css";
import { mount } from "svelte";
import Heading from "../Heading.svelte";
import { reportPainted } from "../report";

mount(Heading, { target: document.getElementById("app") ?? document.body });
// The font must be in use, not only declared, for its cost to count.
void document.fonts.ready.then(reportPainted);
