// Switching the active profile, from wherever it is asked for (the header's menu, the palette, a
// profile's "Use"): one change, shown the one way.
import { call, commands } from "./ipc";
import { mutation } from "./mutation.svelte";
import { setActive } from "./shell.svelte";

export const switchProfile = mutation(
  async (id: string) => {
    setActive(await call(commands.switchProfile(id)));
  },
  // Another profile's data is another cache: the query layer starts over on its own.
  { show: "toast", invalidates: ["profiles"] },
);
