//! How WebKitGTK paints the window, chosen from what the machine has (Linux only).
//!
//! WebKitGTK 2.44+ composites every page and by default rasterizes it with Skia on the GPU. On a
//! machine without a GPU — a virtual machine or a remote desktop, common for back-office PCs —
//! that GPU path runs on Mesa's llvmpipe, the CPU emulating a GPU: the first start compiles
//! dozens of shader programs, and every start and frame costs more time and memory than Skia's
//! own CPU rasterizer (docs/performance.md). So where there is no GPU, WebKit is asked to rasterize on the CPU. Compositing
//! stays on either way: only who draws the tiles changes.
//!
//! Whatever the user set for WebKit themselves wins (`WEBKIT_SKIA_ENABLE_CPU_RENDERING=0` keeps
//! the GPU path on a machine without a GPU).

/// WebKitGTK's switch for Skia's CPU rasterizer.
#[cfg(any(target_os = "linux", test))]
const CPU_RASTER: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// Settings of the user's that already decide how WebKit paints: if any is set, we set nothing.
#[cfg(any(target_os = "linux", test))]
const USER_SETTINGS: [&str; 3] = [
    CPU_RASTER,
    "WEBKIT_DISABLE_COMPOSITING_MODE",
    "WEBKIT_DISABLE_DMABUF_RENDERER",
];

/// Who rasterizes the page's tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raster {
    /// WebKit's default: Skia on the GPU (left as it is).
    Default,
    /// Skia on the CPU, chosen because the machine has no GPU.
    Cpu,
    /// The user's own WebKit settings decide.
    Users,
}

/// What the machine and the environment say, gathered apart from the decision so that it can be
/// tested without a machine of each kind.
#[cfg(any(target_os = "linux", test))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Machine {
    /// A GPU render node exists (`/dev/dri/renderD*`): Mesa can use real hardware.
    render_node: bool,
    /// Mesa is told to render in software anyway (`LIBGL_ALWAYS_SOFTWARE`).
    software_gl_forced: bool,
    /// The user set one of [`USER_SETTINGS`].
    user_setting: bool,
}

#[cfg(any(target_os = "linux", test))]
fn decide(machine: Machine) -> Raster {
    if machine.user_setting {
        Raster::Users
    } else if !machine.render_node || machine.software_gl_forced {
        Raster::Cpu
    } else {
        Raster::Default
    }
}

#[cfg(target_os = "linux")]
fn this_machine() -> Machine {
    let render_node = std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
        entries
            .flatten()
            .any(|entry| entry.file_name().to_string_lossy().starts_with("renderD"))
    });
    // Mesa reads it as a boolean: "0", "n", "no", "f", "false" (and unset) mean no.
    let software_gl_forced = std::env::var("LIBGL_ALWAYS_SOFTWARE").is_ok_and(|value| {
        !matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "" | "0" | "n" | "no" | "f" | "false"
        )
    });
    Machine {
        render_node,
        software_gl_forced,
        user_setting: USER_SETTINGS
            .iter()
            .any(|name| std::env::var_os(name).is_some()),
    }
}

/// Chooses how WebKit rasterizes, before any webview exists (WebKit reads the environment when its
/// web process starts).
///
/// # Safety
///
/// Sets an environment variable: call it before the process starts any other thread.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub unsafe fn choose_for_this_machine() -> Raster {
    let raster = decide(this_machine());
    if raster == Raster::Cpu {
        // SAFETY: the caller guarantees no other thread exists yet to read the environment.
        unsafe { std::env::set_var(CPU_RASTER, "1") };
    }
    raster
}

/// Other systems paint the way their webview chooses.
///
/// # Safety
///
/// Nothing to uphold; `unsafe` only to match the Linux signature.
#[cfg(not(target_os = "linux"))]
#[allow(unsafe_code)]
pub unsafe fn choose_for_this_machine() -> Raster {
    Raster::Default
}

#[cfg(test)]
mod tests {
    use super::*;

    const GPU: Machine = Machine {
        render_node: true,
        software_gl_forced: false,
        user_setting: false,
    };

    #[test]
    fn a_machine_with_a_gpu_keeps_webkits_default() {
        assert_eq!(decide(GPU), Raster::Default);
    }

    #[test]
    fn a_machine_without_a_gpu_rasterizes_on_the_cpu() {
        let no_gpu = Machine {
            render_node: false,
            ..GPU
        };
        assert_eq!(decide(no_gpu), Raster::Cpu);
        let forced = Machine {
            software_gl_forced: true,
            ..GPU
        };
        assert_eq!(decide(forced), Raster::Cpu);
    }

    #[test]
    fn the_users_own_webkit_settings_win() {
        let no_gpu_but_set = Machine {
            render_node: false,
            user_setting: true,
            ..GPU
        };
        assert_eq!(decide(no_gpu_but_set), Raster::Users);
    }
}
