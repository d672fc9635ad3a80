import { mount } from "svelte";
import Heading from "../Heading.svelte";
import { reportPainted } from "../report";

mount(Heading, { target: document.getElementById("app") ?? document.body });
reportPainted();
